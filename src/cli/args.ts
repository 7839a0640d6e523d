/** What the command line asked for, once parsed. */
export type CliRequest =
  | { readonly kind: 'help'; readonly text: 'main' | 'receive' }
  | { readonly kind: 'version' }
  | { readonly kind: 'receive'; readonly port: number; readonly host: string; readonly json: boolean }
  | { readonly kind: 'usage-error'; readonly message: string; readonly text: 'main' | 'receive' };

/** Default port of `hmetrics receive`: statsd's 8125 plus one, easy to remember and rarely taken. */
export const DEFAULT_PORT = 8126;

/**
 * Parses `hmetrics` arguments. Never exits: main.ts turns the result into output and an exit
 * code (0 for help and version, 2 for a usage error). Options take `--name value` or `--name=value`.
 */
export function parseArgs(argv: readonly string[]): CliRequest {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') return { kind: 'help', text: 'main' };
  if (command === '--version' || command === '-v') return { kind: 'version' };
  if (command === 'help') {
    if (rest[0] === undefined) return { kind: 'help', text: 'main' };
    return rest[0] === 'receive' ? { kind: 'help', text: 'receive' } : { kind: 'usage-error', message: `unknown command "${rest[0]}"`, text: 'main' };
  }
  if (command.startsWith('-')) return { kind: 'usage-error', message: `unknown option "${command}"`, text: 'main' };
  if (command !== 'receive') return { kind: 'usage-error', message: `unknown command "${command}"`, text: 'main' };
  return parseReceive(rest);
}

function parseReceive(args: readonly string[]): CliRequest {
  let port = DEFAULT_PORT;
  let host = '127.0.0.1';
  let json = false;
  const error = (message: string): CliRequest => ({ kind: 'usage-error', message, text: 'receive' });
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? args[++i];
    if (flag === '--help' || flag === '-h') return { kind: 'help', text: 'receive' };
    if (flag === '--port') {
      const given = value();
      if (given === undefined || !/^\d{1,5}$/.test(given) || Number(given) > 65535) return error(`Expected --port to be 0-65535, got ${given ?? 'nothing'}`);
      port = Number(given);
    } else if (flag === '--host') {
      const given = value();
      if (given === undefined || given === '' || given.startsWith('-')) return error(`Expected --host to be an address, got ${given || 'nothing'}`);
      host = given;
    } else if (flag === '--json' && inline === undefined) {
      json = true;
    } else {
      return error(arg.startsWith('-') ? `unknown option "${arg}"` : `unexpected argument "${arg}"`);
    }
  }
  return { kind: 'receive', port, host, json };
}
