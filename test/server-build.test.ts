import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtMain, repoRoot, startKith } from './support/cli.ts';
import { createTempDir, type TempDir } from './support/temp-dir.ts';

// `pnpm build` once for this file: what a container or a systemd unit runs is plain node on server/dist.
let cwd: TempDir;
beforeAll(() => {
  const build = spawnSync(process.execPath, [`${repoRoot}server/scripts/build.mjs`], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`pnpm build failed:\n${build.stdout}${build.stderr}`);
  // Somewhere that is not the checkout: the built server must not depend on its working directory.
  cwd = createTempDir('kith-dist-');
}, 180_000);
afterAll(() => cwd?.cleanup());

const version = (JSON.parse(readFileSync(`${repoRoot}server/package.json`, 'utf8')) as { version: string })
  .version;

/** Opens a raw TCP connection and sends `text`, nothing more. */
async function rawSend(url: string, text: string): Promise<Socket & { received: () => string }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (chunk) => (received += chunk));
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(text);
  return Object.assign(socket, { received: () => received });
}

describe('the built server (pnpm build, then plain node)', () => {
  it('prints its version, without a stack trace, from any directory', () => {
    for (const entry of [builtMain, `${repoRoot}server/bin/kith.mjs`]) {
      const run = spawnSync(process.execPath, [entry, '--version'], { cwd: cwd.path, encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(`kith ${version}\n`);
      expect(run.stderr).toBe('');
    }
  });

  it('contains no TypeScript for node to load: every import of the compiled server is JavaScript', () => {
    const main = readFileSync(builtMain, 'utf8');
    expect(main).not.toMatch(/from ['"][^'"]+\.tsx?['"]/);
    expect(main).toMatch(/from ['"]\.\/app\.js['"]/);
  });

  it('on SIGTERM finishes the request in flight, cuts a client stuck in its headers at the grace, and exits 0', async () => {
    const kith = await startKith({
      cwd: cwd.path,
      runtime: 'dist',
      env: { KITH_SHUTDOWN_GRACE_SECONDS: '2', KITH_LOG_LEVEL: 'info' },
    });
    // Half the headers, then silence: Node alone would wait for it a full minute (headersTimeout).
    const stuck = await rawSend(kith.url, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Half: ');
    // Whole headers, half the body: a request in flight that the shutdown must let finish.
    const body = JSON.stringify({ request_id: 'grq_nothing_here' });
    const inFlight = await rawSend(
      kith.url,
      `POST /v1/grants/collect HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    );
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const stopped = kith.stop();
    await new Promise((r) => setTimeout(r, 300));
    inFlight.write(body.slice(5));
    const code = await Promise.race([
      stopped,
      new Promise<'still running'>((r) => setTimeout(() => r('still running'), 2_000 + 8_000)),
    ]);
    expect(code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000 - 100);
    // The request in flight got its whole answer (a problem document), and its connection was closed after it.
    expect(inFlight.received()).toMatch(/^HTTP\/1\.1 400 /);
    expect(inFlight.received()).toContain('"code":"VALIDATION_FAILED"');
    expect(inFlight.destroyed || inFlight.readableEnded).toBe(true);
    // The stuck client got nothing and was cut.
    expect(stuck.received()).toBe('');
    expect(stuck.destroyed || stuck.readableEnded).toBe(true);
    expect(kith.output()).toContain('the shutdown grace ran out');
    expect(kith.output()).toMatch(/"msg":"stopped"/);
  }, 60_000);
});
