import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { loadMasterKey, parseMasterKey } from './master-key.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kith-key-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('loadMasterKey', () => {
  it('generates a 0600 key file on first start and reads the same key afterwards', () => {
    const path = join(tempDir(), 'nested', 'master.key');
    const first = loadMasterKey({ kind: 'file', path, createIfMissing: true });
    expect(first.generatedAt).toBe(path);
    expect(first.key).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const second = loadMasterKey({ kind: 'file', path, createIfMissing: true });
    expect(second.generatedAt).toBeUndefined();
    expect(second.key).toEqual(first.key);
  });

  it('never creates a key file the operator named explicitly', () => {
    const path = join(tempDir(), 'missing.key');
    expect(() => loadMasterKey({ kind: 'file', path, createIfMissing: false })).toThrow(ConfigError);
    expect(() => readFileSync(path)).toThrow();
  });

  it('reads a key file written by hand', () => {
    const key = randomBytes(32);
    const path = join(tempDir(), 'master.key');
    writeFileSync(path, `${key.toString('hex')}\n`);
    expect(loadMasterKey({ kind: 'file', path, createIfMissing: false }).key).toEqual(key);
  });
});

describe('parseMasterKey', () => {
  const key = randomBytes(32);
  it('accepts 32 bytes as base64, base64url or hex', () => {
    for (const text of [
      key.toString('base64'),
      key.toString('base64url'),
      key.toString('hex'),
      ` ${key.toString('hex')}\n`,
    ]) {
      expect(parseMasterKey(text, 'KITH_MASTER_KEY')).toEqual(key);
    }
  });

  it('refuses anything else, naming the variable', () => {
    for (const text of [
      '',
      'short',
      randomBytes(16).toString('base64'),
      randomBytes(33).toString('hex'),
      'z'.repeat(64),
    ]) {
      expect(() => parseMasterKey(text, 'KITH_MASTER_KEY')).toThrow(/^KITH_MASTER_KEY: /);
    }
  });
});
