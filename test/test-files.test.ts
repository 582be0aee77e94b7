import { execFileSync } from 'node:child_process';
import { matchesGlob } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import config, { slowTestFiles } from './vitest.config.ts';
import fastConfig from './vitest.fast.config.ts';

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

  it('leaves out of the fast run only the slow files it names, each of which exists', () => {
    const files = testFilesInRepository();
    expect(slowTestFiles.filter((glob) => !files.some((path) => matchesGlob(path, glob)))).toEqual([]);
    const exclude = fastConfig.test?.exclude ?? [];
    expect(exclude).toEqual([...(config.test?.exclude ?? []), ...slowTestFiles]);
    expect(fastConfig.test?.include).toEqual(config.test?.include);
  });
});
