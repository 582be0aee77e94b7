import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  /** Absolute path of the new, empty directory. */
  path: string;
  /** Removes the directory and everything in it (idempotent). */
  cleanup(): Promise<void>;
}

/** A fresh, empty directory under `os.tmpdir()`. */
export function createTempDir(prefix = 'kith-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    async cleanup() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}
