/** Running the real `kith` CLI as a child process, the way an operator does. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from './postgres-cluster.ts';

export { freePort };

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const tsx = `${repoRoot}node_modules/.bin/tsx`;
// tsx's loader by absolute path: `node --import tsx` would resolve `tsx` from the child's cwd (a temp dir).
const tsxLoader = pathToFileURL(`${repoRoot}node_modules/tsx/dist/loader.mjs`).href;
const main = `${repoRoot}server/src/main.ts`;

/** The environment a child gets: ours minus any KITH_ settings, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('KITH_')));
  return { ...base, ...env };
}

/** Runs `kith ARGS` to completion and returns what it printed. */
export async function runKith(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(tsx, [main, ...args], { cwd: options.cwd, env: childEnv(options.env ?? {}) });
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
  output(): string;
  /** SIGTERM, then the exit code once it has shut down. */
  stop(): Promise<number | null>;
  /** SIGKILL (`kill -9`): no shutdown at all; resolves once the process is gone. */
  kill(): Promise<void>;
}

/**
 * Starts `kith serve` and waits until `/healthz` answers. By default through
 * the `tsx` CLI (as `pnpm kith` runs it); `runtime: 'node'` runs
 * `node --import tsx` directly, one process instead of two, so the server is
 * the child itself (what a fault test kills) and it starts sooner.
 *
 * @example
 * const kith = await startKith({ cwd, runtime: 'node', port, env: { KITH_DATABASE_URL: url } });
 * await kith.kill(); // kill -9
 */
export async function startKith(options: {
  cwd: string;
  env?: Record<string, string>;
  runtime?: 'tsx' | 'node';
  /** Listen on this port (e.g. the same one again after a restart); default a free one. */
  port?: number;
}): Promise<RunningKith> {
  const port = options.port ?? (await freePort());
  const [command, args] =
    options.runtime === 'node'
      ? [process.execPath, ['--import', tsxLoader, main, 'serve']]
      : [tsx, [main, 'serve']];
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: childEnv({ KITH_PORT: String(port), ...options.env }),
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
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
