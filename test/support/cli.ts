/** Running the real `kith` CLI as a child process, the way an operator does. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './postgres-cluster.ts';

export { freePort };

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const tsx = `${repoRoot}node_modules/.bin/tsx`;
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
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts `kith serve` and waits until `/healthz` answers. */
export async function startKith(options: {
  cwd: string;
  env?: Record<string, string>;
}): Promise<RunningKith> {
  const port = await freePort();
  const child: ChildProcess = spawn(tsx, [main, 'serve'], {
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
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
