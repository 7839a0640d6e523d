import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/**
 * The module graph of `src/`: static imports and re-exports that exist at run time (type-only
 * ones erased), plus each lazy load, as an edge from the file that calls `lazy.name()` to the
 * module src/lazy.ts names for it. Paths relative to `src/`, with `.ts`.
 */
export function sourceGraph(srcDir: string): Map<string, Set<string>> {
  const files = listTs(srcDir);
  const lazyTable = new Map<string, string>();
  for (const [, name, path] of readFileSync(join(srcDir, 'lazy.ts'), 'utf8').matchAll(/^\s+(\w+): \(\) => load\('([^']+)'\)/gm)) {
    lazyTable.set(name!, normalize(path!).replace(/\.js$/, '.ts'));
  }
  const graph = new Map<string, Set<string>>();
  for (const file of files) {
    // Comments out: an @example that calls lazy.x() is not a load.
    const text = readFileSync(join(srcDir, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    const edges = new Set<string>();
    for (const match of text.matchAll(/^(import|export)\s+([^;]*?)\s+from\s+'(\.[^']+)'/gms)) {
      const clause = match[2]!;
      if (/^type\s/.test(clause)) continue;
      const names = /^\{([^}]*)\}$/.exec(clause.trim())?.[1];
      if (names !== undefined && names.split(',').map((n) => n.trim()).filter(Boolean).every((n) => n.startsWith('type '))) continue;
      edges.add(normalize(join(dirname(file), match[3]!)).replace(/\.js$/, '.ts'));
    }
    for (const match of text.matchAll(/^import\s+'(\.[^']+)'/gm)) edges.add(normalize(join(dirname(file), match[1]!)).replace(/\.js$/, '.ts'));
    for (const match of text.matchAll(/\blazy\.(\w+)\(\)/g)) {
      const target = lazyTable.get(match[1]!);
      if (target !== undefined) edges.add(target);
    }
    edges.delete(file);
    graph.set(file, edges);
  }
  return graph;
}

function listTs(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listTs(path, base);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative(base, path)] : [];
  });
}

/** The strongly connected components with more than one module: each is one or more import cycles. */
export function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    order.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!order.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, order.get(next)!));
      }
    }
    if (low.get(node) === order.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!order.has(node)) visit(node);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}
