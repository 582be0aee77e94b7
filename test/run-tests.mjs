#!/usr/bin/env node
// `pnpm test [vitest args…]`: runs Vitest once with the terminal reporter and a JSON report, then prints,
// as the very last line, `N passed, N failed, N skipped` (skipped counts pending and todo).
// `pnpm test:fast` (`--fast` first) runs test/vitest.fast.config.ts instead: everything but the slow files.
// Exits non-zero if Vitest did, if any test failed, or if no test passed.
// Plain Node ESM, no dependencies.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const resultsDir = join(root, 'test-results');
const jsonFile = join(resultsDir, 'vitest.json');

function summary(passed, failed, skipped) {
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}

function crash(message) {
  process.stderr.write(`run-tests: ${message}\n`);
  process.stdout.write(`${summary(0, 1, 0)}\n`);
  process.exit(1);
}

function vitestEntry() {
  // Resolve Vitest's CLI from the test package (it depends on vitest), falling back to the root.
  for (const from of [join(root, 'test', 'package.json'), join(root, 'package.json')]) {
    try {
      const pkgJson = createRequire(from).resolve('vitest/package.json');
      const pkg = JSON.parse(readFileSync(pkgJson, 'utf8'));
      const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.vitest;
      if (bin) return join(dirname(pkgJson), bin);
    } catch {
      // try the next place
    }
  }
  return null;
}

// `pnpm test -- foo` passes a literal `--` through: drop it so Vitest sees `foo` as a filter.
const given = process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === '--'));
const fast = given[0] === '--fast';
const forwarded = fast ? given.slice(1) : given;

const entry = vitestEntry();
if (!entry) crash('cannot find vitest (run pnpm install)');

mkdirSync(resultsDir, { recursive: true });
rmSync(jsonFile, { force: true });

const args = [
  entry,
  'run',
  '--config',
  join(root, 'test', fast ? 'vitest.fast.config.ts' : 'vitest.config.ts'),
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${jsonFile}`,
  ...forwarded,
];

const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: process.env });

// Ctrl-C reaches Vitest through the terminal's process group: only wait for it to finish its teardown.
// A SIGTERM sent to this process alone (a CI timeout) is passed on.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));

child.on('error', (error) => crash(`could not start vitest: ${error.message}`));
child.on('exit', (code, signal) => {
  const vitestFailed = code !== 0;
  if (!existsSync(jsonFile)) {
    crash(`vitest exited (${signal ?? `code ${code}`}) without writing ${jsonFile}`);
  }
  let report;
  try {
    report = JSON.parse(readFileSync(jsonFile, 'utf8'));
  } catch (error) {
    crash(`cannot read ${jsonFile}: ${error instanceof Error ? error.message : String(error)}`);
  }

  const passed = Number(report.numPassedTests ?? 0);
  let failed = Number(report.numFailedTests ?? 0);
  const skipped = Number(report.numPendingTests ?? 0) + Number(report.numTodoTests ?? 0);

  // A suite that fails to load (syntax error, throwing import, failing beforeAll) may count no failed test:
  // still count it, so the summary never says `0 failed` for a red run.
  const failedSuites = (report.testResults ?? []).filter((file) => file.status === 'failed');
  const failedFilesWithoutFailedTest = failedSuites.filter(
    (file) => !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
  ).length;
  failed += failedFilesWithoutFailedTest;
  if (vitestFailed && failed === 0) failed = 1; // e.g. unhandled errors, global setup failure

  const ok = !vitestFailed && failed === 0 && passed > 0;
  if (passed === 0 && !vitestFailed && failed === 0) {
    process.stderr.write('run-tests: no test passed (nothing matched, or everything was skipped)\n');
  }
  process.stdout.write(`${summary(passed, failed, skipped)}\n`);
  process.exit(ok ? 0 : 1);
});
