import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

/**
 * A small scanner over our own import graph: every `import … from '…'`,
 * `export … from '…'`, `import '…'` and `import('…')` in the source files of a
 * package, resolved to files relative to the repository root. Tests are left
 * out: they may reach anywhere, and nothing imports them.
 */

/** One import: the file that imports, what it wrote, and the file it names (if relative). */
export interface ImportEdge {
  from: string;
  specifier: string;
  /** The imported file, relative to the repository root; absent for a package import. */
  to?: string;
}

const SOURCE = /\.tsx?$/;
const TEST = /\.test\.tsx?$/;
const SPECIFIERS = [
  /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*['"]([^'"]+)['"]/g,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** Every non-test source file under `dir` (relative to `root`), sorted. */
export function sourceFiles(root: string, dir: string): string[] {
  const files: string[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(join(root, path)).sort()) {
      const child = posix.join(path, name);
      if (statSync(join(root, child)).isDirectory()) walk(child);
      else if (SOURCE.test(name) && !TEST.test(name)) files.push(child);
    }
  };
  walk(dir);
  return files;
}

/** The imports of one file; a relative specifier that names no file throws, so a typo cannot hide an edge. */
export function importsOf(root: string, file: string): ImportEdge[] {
  // Lines of comments go: a JSDoc @example shows an import a caller writes, not one this file makes.
  const text = readFileSync(join(root, file), 'utf8').replace(/^\s*(?:\*|\/\/).*$/gm, '');
  const specifiers = new Set<string>();
  for (const pattern of SPECIFIERS)
    for (const [, specifier] of text.matchAll(pattern)) if (specifier) specifiers.add(specifier);
  return [...specifiers].map((specifier) => {
    if (!specifier.startsWith('.')) return { from: file, specifier };
    const to = posix.normalize(posix.join(posix.dirname(file), specifier));
    if (!existsSync(join(root, to))) throw new Error(`${file} imports ${specifier}, which names no file`);
    return { from: file, specifier, to };
  });
}

/** The import graph of every source file under the given folders. */
export function importGraph(root: string, dirs: readonly string[]): ImportEdge[] {
  return dirs.flatMap((dir) => sourceFiles(root, dir).flatMap((file) => importsOf(root, file)));
}

/**
 * Every cycle in a directed graph, each once, as the chain of nodes from its
 * smallest node back to it (`a → b → a`). Found per strongly connected
 * component, one shortest cycle through each node of it.
 */
export function findCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const cycles = new Map<string, string[]>();
  for (const start of [...edges.keys()].sort()) {
    const path = shortestPath(edges, start, start);
    if (!path) continue;
    // One rotation per cycle, starting from its smallest node, so each is reported once.
    const ring = path.slice(0, -1);
    const first = ring.indexOf([...ring].sort()[0] as string);
    const rotated = [...ring.slice(first), ...ring.slice(0, first)];
    cycles.set(rotated.join(' → '), [...rotated, rotated[0] as string]);
  }
  return [...cycles.values()];
}

/** The shortest chain of nodes from `from` to `to` (at least one step), or undefined. */
function shortestPath(
  edges: ReadonlyMap<string, ReadonlySet<string>>,
  from: string,
  to: string,
): string[] | undefined {
  const previous = new Map<string, string>();
  let frontier = [from];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const node of frontier) {
      for (const target of [...(edges.get(node) ?? [])].sort()) {
        if (target === to) {
          const chain = [node];
          for (let step = node; step !== from; ) {
            step = previous.get(step) as string;
            chain.unshift(step);
          }
          return [...chain, to];
        }
        if (previous.has(target) || target === from) continue;
        previous.set(target, node);
        next.push(target);
      }
    }
    frontier = next;
  }
  return undefined;
}

/** Groups edges by a key of each end (the file itself, its folder, …), dropping self-edges. */
export function groupEdges(
  edges: readonly ImportEdge[],
  keyOf: (file: string) => string,
): Map<string, Set<string>> {
  const grouped = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    if (!to) continue;
    const a = keyOf(from);
    const b = keyOf(to);
    if (a === b) continue;
    if (!grouped.has(a)) grouped.set(a, new Set());
    grouped.get(a)?.add(b);
  }
  return grouped;
}
