/** Running the real `kith` CLI as a child process, the way an operator does. */
import { type ChildProcess, spawn } from 'node:child_process';
import { inject } from 'vitest';
import { repoRoot } from './kith-bundle.ts';
import { freePort } from './postgres-cluster.ts';

export { freePort, repoRoot };

const bin = `${repoRoot}server/bin/kith.mjs`;
/** What `pnpm build` compiles `main.ts` to: plain node runs it (build it first). */
export const builtMain = `${repoRoot}server/dist/main.js`;

/** `node` on the bundle the global setup built: what runs `server/src/main.ts` soonest. */
function bundled(args: string[]): [string, string[]] {
  return [process.execPath, ['--enable-source-maps', inject('kithBundle'), ...args]];
}

/** The environment a child gets: ours minus any KITH_ settings, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('KITH_')));
  return { ...base, ...env };
}

/** Runs `kith ARGS` (the sources, bundled) to completion and returns what it printed. */
export async function runKith(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [command, commandArgs] = bundled(args);
  const child = spawn(command, commandArgs, { cwd: options.cwd, env: childEnv(options.env ?? {}) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export interface RunningKith {
  url: string;
  /** The server process's id. */
  pid: number;
  /** Everything it printed, stdout and stderr interleaved. */
  output(): string;
  /** What it printed on stdout alone (where its log lines go). */
  stdout(): string;
  /** What it printed on stderr alone. */
  stderr(): string;
  /** SIGTERM, then the exit code once it has shut down. */
  stop(): Promise<number | null>;
  /** SIGKILL (`kill -9`): no shutdown at all; resolves once the process is gone. */
  kill(): Promise<void>;
}

/**
 * Starts `kith serve` and waits until `/healthz` answers. By default `node`
 * on the sources as bundled once for the run (one process: the server is the
 * child itself, what a fault test kills); `runtime: 'bin'` runs the `kith`
 * command itself (`server/bin/kith.mjs`), as an installed package does;
 * `runtime: 'dist'` runs plain `node` on what `pnpm build` made.
 *
 * @example
 * const kith = await startKith({ cwd, port, env: { KITH_DATABASE_URL: url } });
 * await kith.kill(); // kill -9
 */
export async function startKith(options: {
  cwd: string;
  env?: Record<string, string>;
  runtime?: 'bundle' | 'bin' | 'dist';
  /** Listen on this port (e.g. the same one again after a restart); default a free one. */
  port?: number;
}): Promise<RunningKith> {
  const port = options.port ?? (await freePort());
  const [command, args] =
    options.runtime === 'dist'
      ? [process.execPath, [builtMain, 'serve']]
      : options.runtime === 'bin'
        ? [process.execPath, [bin, 'serve']]
        : bundled(['serve']);
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: childEnv({ KITH_PORT: String(port), ...options.env }),
  });
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kith serve exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`kith serve did not answer /healthz within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid as number,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
