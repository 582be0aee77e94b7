import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/cli.ts';
import { findCycles, groupEdges, type ImportEdge, importGraph } from './support/import-graph.ts';

/**
 * The layers of server/src, lowest first. A file may import its own layer or
 * a lower one, never a higher one; folders may import each other only without
 * cycles. A new folder or top-level file goes into exactly one of these.
 */
const SERVER_LAYERS = [
  {
    name: 'foundation',
    folders: ['db', 'http', 'net', 'rate-limit'],
    files: ['clock.ts', 'ids.ts', 'sha256.ts', 'logger.ts', 'config-options.ts', 'config.ts', 'env.ts'],
  },
  { name: 'keys', folders: ['keys'], files: [] },
  {
    name: 'domains',
    folders: [
      'owners',
      'profile',
      'vendors',
      'grants',
      'audit',
      'events',
      'contact-rules',
      'contact',
      'relationships',
      'terms',
      'conduct',
    ],
    files: [],
  },
  { name: 'pages and operations', folders: ['web', 'ops'], files: [] },
  { name: 'entry points', folders: [], files: ['app.ts', 'vault.ts', 'main.ts', 'index.ts'] },
] as const;

const SERVER = 'server/src/';
// Row types are shared by every layer (db/database.ts names them all), so every *.table.ts is foundation.
const TABLES = '*.table.ts';

const graph = importGraph(repoRoot, ['server/src', 'client-sdk/src', 'schemas/src']);
const serverEdges = graph.filter((edge) => edge.from.startsWith(SERVER));

/** The folder (or top-level file) a server file belongs to; every row-type file belongs to one shared unit. */
function unitOf(file: string): string {
  const path = file.slice(SERVER.length);
  if (path.endsWith('.table.ts')) return TABLES;
  return path.split('/')[0] as string;
}

function layerOf(unit: string): number | undefined {
  if (unit === TABLES) return 0;
  const index = SERVER_LAYERS.findIndex(
    (layer) =>
      (layer.folders as readonly string[]).includes(unit) ||
      (layer.files as readonly string[]).includes(unit),
  );
  return index === -1 ? undefined : index;
}

const short = (file: string) => file.replace(SERVER, '');
const fileChain = (chain: string[]) => chain.map(short).join(' → ');

/** For each step of a folder chain, one file import that makes it. */
function witnessChain(chain: string[]): string {
  return chain
    .slice(0, -1)
    .map((unit, i) => {
      const edge = serverEdges.find((e) => e.to && unitOf(e.from) === unit && unitOf(e.to) === chain[i + 1]);
      const next = chain[i + 1] as string;
      return `${short(edge?.from ?? unit)} → ${short(edge?.to ?? next)}`;
    })
    .join(', ');
}

function localEdges(prefix: string): ImportEdge[] {
  return graph.filter((edge) => edge.from.startsWith(prefix) && edge.to?.startsWith(prefix));
}

describe('the import graph', () => {
  it('is read whole: the scanner sees static, multi-line and dynamic imports', () => {
    const has = (from: string, to: string) => graph.some((edge) => edge.from === from && edge.to === to);
    expect(graph.length).toBeGreaterThan(500);
    expect(has('server/src/main.ts', 'server/src/config.ts')).toBe(true);
    // A dynamic import(), so metrics code loads only when metrics are on.
    expect(has('server/src/main.ts', 'server/src/ops/metrics.ts')).toBe(true);
    expect(has('client-sdk/src/index.ts', 'client-sdk/src/create-kith-client.ts')).toBe(true);
    expect(has('server/src/app.ts', 'server/src/web/web.routes.tsx')).toBe(true);
  });

  it('puts every folder and top-level file of server/src in a layer', () => {
    const units = new Set(serverEdges.flatMap((edge) => [edge.from, edge.to ?? edge.from]).map(unitOf));
    const unassigned = [...units].filter((unit) => layerOf(unit) === undefined);
    expect(
      unassigned.map(
        (unit) => `server/src/${unit} has no layer: add it to SERVER_LAYERS in test/import-graph.test.ts`,
      ),
    ).toEqual([]);
  });

  it('has no cycle between files, in any package', () => {
    const cycles = findCycles(groupEdges(localEdges(''), (file) => file));
    expect(cycles.map(fileChain)).toEqual([]);
  });

  it('has no cycle between the folders of server/src', () => {
    const cycles = findCycles(groupEdges(localEdges(SERVER), unitOf));
    expect(cycles.map((chain) => `${chain.join(' → ')} (${witnessChain(chain)})`)).toEqual([]);
  });

  it('never imports upward in server/src: foundation < keys < domains < pages and operations < entry points', () => {
    const upward = localEdges(SERVER).flatMap(({ from, to }) => {
      const a = layerOf(unitOf(from)) ?? -1;
      const b = layerOf(unitOf(to as string)) ?? -1;
      if (b <= a) return [];
      return [
        `${short(from)} → ${short(to as string)} (${SERVER_LAYERS[a]?.name} may not import ${SERVER_LAYERS[b]?.name})`,
      ];
    });
    expect(upward).toEqual([]);
  });

  it('keeps @kith/schemas free of every other part of ours', () => {
    const outward = graph.filter(
      (edge) =>
        edge.from.startsWith('schemas/src/') &&
        (edge.to ? !edge.to.startsWith('schemas/src/') : edge.specifier.startsWith('@kith/')),
    );
    expect(outward.map((edge) => `${edge.from} → ${edge.specifier}`)).toEqual([]);
  });

  it('lets the SDK import @kith/schemas and nothing else of ours', () => {
    const outward = graph.filter(
      (edge) =>
        edge.from.startsWith('client-sdk/src/') &&
        (edge.to
          ? !edge.to.startsWith('client-sdk/src/')
          : edge.specifier.startsWith('@kith/') && edge.specifier !== '@kith/schemas'),
    );
    expect(outward.map((edge) => `${edge.from} → ${edge.specifier}`)).toEqual([]);
  });
});
