import { connect, createServer } from 'node:net';

/**
 * A loopback TCP port that nothing listens on now, that this test will open itself later. The
 * port is closed before it returns, so another process could take it meanwhile: use it only where
 * the test needs that order (refused first, listening later); a server of the test's own listens
 * on 0 and reads its port instead.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Ports below 1024 are never handed out for `listen(0)` or outgoing connections, and no test
 * binds them: the first one that refuses a connection now keeps refusing for the whole run. None
 * is on fetch's list of blocked ports, so `fetch` meets the refusal too.
 */
const REFUSING_CANDIDATES = [201, 202, 203, 204, 205, 206, 207, 208, 209, 210] as const;

/** A loopback TCP port whose connections are refused (ECONNREFUSED) for the whole test run. */
export async function refusedPort(): Promise<number> {
  for (const port of REFUSING_CANDIDATES) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(false); });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
    });
    if (refused) return port;
  }
  throw new Error('no loopback port below 1024 refuses connections here');
}
