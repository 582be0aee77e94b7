/**
 * A throwaway PostgreSQL cluster for the test run, from Debian's packaged binaries
 * (`/usr/lib/postgresql/<major>/bin`). Used by `global-setup.ts`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const POSTGRES_ROOT = '/usr/lib/postgresql';

export interface PostgresBinaries {
  initdb: string;
  pgCtl: string;
  major: number;
}

/** The newest installed major version that has both `initdb` and `pg_ctl`, or null. */
export function findPostgresBinaries(root = POSTGRES_ROOT): PostgresBinaries | null {
  if (!existsSync(root)) return null;
  const majors = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => b - a);
  for (const major of majors) {
    const bin = join(root, String(major), 'bin');
    const initdb = join(bin, 'initdb');
    const pgCtl = join(bin, 'pg_ctl');
    if (existsSync(initdb) && existsSync(pgCtl)) return { initdb, pgCtl, major };
  }
  return null;
}

/** A TCP port on 127.0.0.1 that the OS just reported free. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not get a free port'));
      });
    });
  });
}

export interface RunningCluster {
  url: string;
  dataDir: string;
  major: number;
  /**
   * Restarts the server as an operator would (`pg_ctl restart -m fast`: every connection is
   * ended), on the same port; in a child process, so the caller's load goes on meanwhile.
   */
  restart(): Promise<void>;
  /** Stops the server (`pg_ctl stop -m immediate`) and removes the data directory. Idempotent. */
  stop(): void;
}

interface RunAs {
  /** Prefix (e.g. `runuser -u postgres --`) when we are root, since initdb refuses to run as root. */
  prefix: string[];
  uid?: number;
  gid?: number;
}

function runAs(): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { prefix: [] };
  const id = spawnSync('id', ['postgres'], { encoding: 'utf8' });
  const uid = /uid=(\d+)/.exec(id.stdout ?? '')?.[1];
  const gid = /gid=(\d+)/.exec(id.stdout ?? '')?.[1];
  if (id.status !== 0 || uid === undefined || gid === undefined) {
    throw new Error(
      'Running as root, and initdb refuses to run as root, but there is no `postgres` user to run it as ' +
        "(Debian's postgresql package creates one; or set KITH_TEST_POSTGRES_URL to an existing server).",
    );
  }
  return { prefix: ['runuser', '-u', 'postgres', '--'], uid: Number(uid), gid: Number(gid) };
}

function run(as: RunAs, command: string, args: string[]): { ok: boolean; output: string } {
  const [file, ...rest] = [...as.prefix, command, ...args];
  const result = spawnSync(file as string, rest, {
    encoding: 'utf8',
    cwd: tmpdir(), // readable by the postgres user, unlike some checkouts
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
  return { ok: result.status === 0, output };
}

/** `run`, without blocking the event loop while it runs. */
function runInBackground(
  as: RunAs,
  command: string,
  args: string[],
): Promise<{ ok: boolean; output: string }> {
  const [file, ...rest] = [...as.prefix, command, ...args];
  return new Promise((resolve) => {
    const child = spawn(file as string, rest, { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', (error) => resolve({ ok: false, output: `${output}${String(error)}` }));
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}

/** initdb + pg_ctl start on a free port; throws with the tool output if anything fails. */
export async function startCluster(binaries: PostgresBinaries): Promise<RunningCluster> {
  const as = runAs();
  const dataDir = mkdtempSync(join(tmpdir(), 'kith-pg-'));
  if (as.uid !== undefined && as.gid !== undefined) chownSync(dataDir, as.uid, as.gid);
  const logFile = join(dataDir, 'server.log');
  let started = false;
  const stop = () => {
    if (started) {
      started = false;
      run(as, binaries.pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const init = run(as, binaries.initdb, [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '-A',
      'trust',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    if (!init.ok) throw new Error(`initdb failed:\n${init.output}`);

    // The port is free when asked, but another process may take it before the server binds: retry.
    let lastOutput = '';
    for (let attempt = 1; attempt <= 5; attempt++) {
      const port = await freePort();
      const options = [
        '-c listen_addresses=127.0.0.1',
        `-p ${port}`,
        `-k ${dataDir}`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
      ].join(' ');
      const start = run(as, binaries.pgCtl, [
        '-D',
        dataDir,
        '-l',
        logFile,
        '-w',
        '-t',
        '60',
        '-o',
        options,
        'start',
      ]);
      if (start.ok) {
        started = true;
        return {
          url: `postgres://postgres@127.0.0.1:${port}/postgres`,
          dataDir,
          major: binaries.major,
          async restart() {
            // The options it was started with are kept in postmaster.opts and used again.
            const restarted = await runInBackground(as, binaries.pgCtl, [
              '-D',
              dataDir,
              '-l',
              logFile,
              '-m',
              'fast',
              '-w',
              '-t',
              '60',
              'restart',
            ]);
            if (!restarted.ok) throw new Error(`pg_ctl restart failed:\n${restarted.output}`);
          },
          stop,
        };
      }
      lastOutput = start.output;
      try {
        lastOutput += `\n--- server.log ---\n${readFileSync(logFile, 'utf8')}`;
      } catch {
        // no log written
      }
    }
    throw new Error(`pg_ctl start failed 5 times; last output:\n${lastOutput}`);
  } catch (error) {
    stop();
    throw error;
  }
}
