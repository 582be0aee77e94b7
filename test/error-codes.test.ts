import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { clientErrorCodes } from '@kith/client';
import { allErrorCodes } from '@kith/schemas';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/cli.ts';

/** Every source file of the server (tests left out: they may build any code they like). */
function serverSources(dir = join(repoRoot, 'server/src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return serverSources(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/**
 * Every way the server produces an error code: `new KithError(…)`, a call of
 * `problemResponse(…)` (the one place a problem is written; not its
 * declaration), and `failWith: …` (verifyVaultJwt's chosen refusal). The
 * first argument is read up to its first `,` or `)`: its quoted codes are
 * what the call can send.
 */
const producers = /(?:new KithError\(|(?<!function )problemResponse\(|failWith:)\s*([^,)]*)/g;

/** The first arguments that name no code: they pass on a code chosen elsewhere. */
const passedOn = new Map([['server/src/http/error-handler.ts', ['error.code']]]);

function scanServer(): { sent: Set<string>; dynamic: Map<string, string[]> } {
  const sent = new Set<string>();
  const dynamic = new Map<string, string[]>();
  for (const file of serverSources()) {
    const source = readFileSync(file, 'utf8');
    for (const [, argument = ''] of source.matchAll(producers)) {
      const codes = [...argument.matchAll(/'([A-Z][A-Z_]+)'/g)].map((m) => m[1] as string);
      if (codes.length > 0) for (const code of codes) sent.add(code);
      else {
        const path = relative(repoRoot, file);
        dynamic.set(path, [...(dynamic.get(path) ?? []), argument.trim()]);
      }
    }
  }
  return { sent, dynamic };
}

/** The codes the SDK README's Errors section names. */
function sdkReadmeCodes(): string[] {
  const readme = readFileSync(join(repoRoot, 'client-sdk/README.md'), 'utf8');
  const errors = readme.slice(readme.indexOf('## Errors'));
  const section = errors.slice(0, errors.indexOf('\n## ', 1));
  return [...new Set([...section.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1] as string))];
}

describe('error codes', () => {
  const { sent, dynamic } = scanServer();

  it('finds the codes the server sends (the scan still matches how the code is written)', () => {
    expect(sent.size).toBeGreaterThan(20);
    expect(sent).toContain('INTERNAL_ERROR');
    expect(sent).toContain('GRANT_EXPIRED');
  });

  it('passes on a code chosen elsewhere only where the error handler re-sends a KithError', () => {
    expect(Object.fromEntries(dynamic)).toEqual(Object.fromEntries(passedOn));
  });

  it('lists exactly the codes the server can send, no more and no fewer', () => {
    expect([...sent].sort()).toEqual([...allErrorCodes].sort());
  });

  it('documents for vendors only codes a vault sends or the SDK raises itself', () => {
    const documented = sdkReadmeCodes();
    expect(documented.length).toBeGreaterThan(10);
    const sdkOnly = new Set(Object.keys(clientErrorCodes));
    expect(documented.filter((code) => !sent.has(code) && !sdkOnly.has(code))).toEqual([]);
    // The SDK's own codes never collide with a vault's.
    expect(Object.keys(clientErrorCodes).filter((code) => sent.has(code))).toEqual([]);
  });
});
