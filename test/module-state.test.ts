import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/cli.ts';
import { sourceFiles } from './support/import-graph.ts';

/**
 * State of a vault lives on the vault (server/src/vault.ts) and reaches its
 * users through their deps; a module holds none, or two vaults in one process
 * would share it. What a module may keep is a memo of a pure function of its
 * key: the same for every vault, holding nothing a vault stored. Each is
 * listed here with why it is one.
 */
const MEMO_CACHES: readonly { file: string; name: string; why: string }[] = [
  {
    file: 'server/src/web/format.ts',
    name: 'formatters',
    why: 'Intl formatters by time-zone name: a pure function of the zone string, no data of any vault.',
  },
  {
    file: 'server/src/contact-rules/quiet-hours.ts',
    name: 'formatters',
    why: 'Intl formatters by time-zone name: a pure function of the zone string, no data of any vault.',
  },
  {
    file: 'server/src/http/client-address.ts',
    name: 'compiled',
    why: 'the compiled trust function of a KITH_TRUSTED_PROXIES list, keyed by that list: a pure function of configuration.',
  },
];

// A collection made empty at the top of a module is filled at run time: a registry.
const EMPTY_COLLECTION =
  /^(?:export\s+)?const\s+(\w+)\b[^\n]*?\s=\s*(?:new\s+(?:WeakMap|Map|WeakSet|Set)\b(?:<[^(\n]*>)?\(\s*\)|\[\s*\]|\{\s*\})/gm;
// A binding that can be reassigned at the top of a module is state of the module.
const MUTABLE_BINDING = /^(?:export\s+)?(?:let|var)\s+(\w+)/gm;

/** The names a module's top level binds to state: empty collections and `let`/`var` bindings. */
function moduleState(source: string): string[] {
  return [...source.matchAll(EMPTY_COLLECTION), ...source.matchAll(MUTABLE_BINDING)].map(
    (match) => match[1] as string,
  );
}

describe('module-level state in server/src', () => {
  it('is found by the scan: registries, caches and reassignable bindings at the top of a module', () => {
    const found = moduleState(
      [
        'const keyrings = new WeakMap<Db, Keyring>();',
        'const inflight = new WeakMap<Db, Map<string, Promise<Vendor>>>();',
        'const proofKeys = new Map<string, ProofKey>();',
        'export const seen: Set<string> = new Set();',
        'const byId: Record<string, Row> = {};',
        'const queue: Job[] = [];',
        'let current: Keyring | undefined;',
        'export let counter = 0;',
        'var legacy;',
        // Not state: constants, and what a function keeps for itself.
        "const METHODS = new Set(['GET', 'HEAD']);",
        'const order = new Map(fields.map((f, i) => [f, i]));',
        'function f() {',
        '  const cache = new Map<string, number>();',
        '  let n = 0;',
        '}',
      ].join('\n'),
    );
    expect(found.sort()).toEqual(
      ['keyrings', 'inflight', 'proofKeys', 'seen', 'byId', 'queue', 'current', 'counter', 'legacy'].sort(),
    );
  });

  it('is none outside the memo caches listed, each a pure function of its key', () => {
    const files = sourceFiles(repoRoot, 'server/src');
    expect(files.length).toBeGreaterThan(100);
    const declared = files.flatMap((file) =>
      moduleState(readFileSync(join(repoRoot, file), 'utf8')).map((name) => ({ file, name })),
    );
    const allowed = (d: { file: string; name: string }) =>
      MEMO_CACHES.some((memo) => memo.file === d.file && memo.name === d.name);
    expect(declared.filter((d) => !allowed(d))).toEqual([]);
    // A memo cache that is gone leaves its allowance behind for something else of that name.
    expect(
      MEMO_CACHES.filter((memo) => !declared.some((d) => d.file === memo.file && d.name === memo.name)),
    ).toEqual([]);
  });
});
