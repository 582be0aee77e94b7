import { execFileSync } from 'node:child_process';
import { matchesGlob } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import config from './vitest.config.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Every test file git knows of (tracked, or new and not ignored), relative to the root. */
function testFilesInRepository(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  });
  return listed
    .split('\n')
    .filter((path) => /\.test\.tsx?$/.test(path))
    .sort();
}

describe('the test run', () => {
  it('includes every *.test.ts in the repository, so no test is written and never run', () => {
    const include = config.test?.include ?? [];
    const exclude = config.test?.exclude ?? [];
    const matches = (path: string, globs: readonly string[]) => globs.some((glob) => matchesGlob(path, glob));
    const files = testFilesInRepository();
    expect(files.length).toBeGreaterThan(50);
    const neverRun = files.filter((path) => !matches(path, include) || matches(path, exclude));
    expect(neverRun).toEqual([]);
  });
});
