import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../server/src/http/session-cookie.ts';
import type { Owner } from '../server/src/owners/owner.service.ts';
import { regenerateRecoveryCodes } from '../server/src/owners/recovery-code.service.ts';
import { startSession } from '../server/src/owners/session.service.ts';
import { describeEachDatabase } from './support/databases.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import {
  type AuthenticationResponse,
  type CeremonyClient,
  ceremonyClient,
  enrollSoftwarePasskey,
  type SoftwarePasskey,
} from './support/software-passkey.ts';

const WINDOW_MS = 15 * 60_000;

describeEachDatabase('sign-in limits one client cannot turn against everyone', (database) => {
  let vault: LiveVault;
  let alice: { owner: Owner; passkey: SoftwarePasskey };
  let bob: { owner: Owner; passkey: SoftwarePasskey };
  let browser: CeremonyClient;

  beforeAll(async () => {
    vault = await startLiveVault(database(), {
      // The test process talks to the vault over loopback: as the proxy, it may name other clients.
      env: { KITH_SIGN_IN_MAX_ATTEMPTS: '3', KITH_TRUSTED_PROXIES: 'loopback' },
    });
    const enrolled = async (name: string) => {
      const { owner } = await vault.signedInOwner(name);
      return { owner, passkey: await enrollSoftwarePasskey(vault, owner.id) };
    };
    alice = await enrolled('alice');
    bob = await enrolled('bob');
  });
  afterAll(() => vault?.stop());
  beforeEach(async () => {
    // Each test starts with every budget whole.
    vault.clock.advance(WINDOW_MS);
    browser = await ceremonyClient(vault.url);
  });

  const options = async (headers: Record<string, string> = {}) => {
    const res = await browser.post('/auth/sign-in/options', {}, headers);
    expect(res.status).toBe(200);
    return (await res.json()) as { challenge: string };
  };
  const signIn = async (response: AuthenticationResponse, headers: Record<string, string> = {}) => {
    const res = await browser.post('/auth/sign-in/verify', { response }, headers);
    const body = (await res.json()) as { code?: string; requestId?: string; instance?: string };
    // The whole answer, bar what names this one request: every failure must read the same.
    const { requestId: _requestId, instance: _instance, ...problem } = body;
    return { status: res.status, code: body.code, problem, cookie: res.headers.getSetCookie().join(';') };
  };
  const forged = async (passkey: SoftwarePasskey, headers: Record<string, string> = {}) => {
    const response = passkey.assert(await options(headers));
    const signature = Buffer.from(response.response.signature, 'base64url');
    signature[0] = (signature[0] ?? 0) ^ 0xff;
    return { ...response, response: { ...response.response, signature: signature.toString('base64url') } };
  };
  const from = (address: string) => ({ 'x-forwarded-for': address });

  it('signs a valid passkey in after wrong recovery codes and failed passkeys from the same address', async () => {
    for (let i = 0; i < 16; i++) {
      const res = await browser.postForm('/sign-in/recovery', { code: 'AAAA-BBBB-CCCC-DDDD' });
      expect(res.status).toBe(i < 3 ? 401 : 429);
    }
    for (let i = 0; i < 6; i++) {
      const failed = await signIn(await forged(alice.passkey));
      expect(failed.code).toBe(i < 3 ? 'SIGN_IN_FAILED' : 'RATE_LIMITED');
    }
    // Neither Bob, who failed nothing, nor Alice, whose credential the failures named, is refused.
    for (const { passkey } of [bob, alice]) {
      const signedIn = await signIn(passkey.assert(await options()));
      expect(signedIn).toMatchObject({ status: 200, code: undefined });
      expect(signedIn.cookie).toContain('__Host-kith_session=');
    }
  });

  it('spends no budget and writes no row when the sign-in page and its challenge are loaded', async () => {
    const rows = async () =>
      (await vault.vault.db.selectFrom('webauthn_challenges').select('challenge').execute()).length;
    const before = await rows();
    for (let i = 0; i < 120; i++) {
      const page = await ceremonyClient(vault.url);
      expect((await page.post('/auth/sign-in/options')).status).toBe(200);
    }
    expect(await rows()).toBe(before);
    expect(await signIn(bob.passkey.assert(await options()))).toMatchObject({ status: 200 });
  });

  it('counts failures against the credential they name, from any address, and still takes the valid one', async () => {
    const answers = [];
    for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']) {
      answers.push((await signIn(await forged(alice.passkey, from(address)), from(address))).code);
    }
    expect(answers).toEqual(['SIGN_IN_FAILED', 'SIGN_IN_FAILED', 'SIGN_IN_FAILED', 'RATE_LIMITED']);
    // Another credential from a fresh address is answered as any failure.
    expect((await signIn(await forged(bob.passkey, from('203.0.113.5')), from('203.0.113.5'))).code).toBe(
      'SIGN_IN_FAILED',
    );
    expect(
      await signIn(alice.passkey.assert(await options(from('203.0.113.4'))), from('203.0.113.4')),
    ).toMatchObject({ status: 200 });
  });

  it('answers a forged signature, a replayed challenge, an unknown credential and a made-up challenge with one identical problem', async () => {
    const replayed = bob.passkey.assert(await options(from('192.0.2.2')));
    expect(await signIn(replayed, from('192.0.2.2'))).toMatchObject({ status: 200 });
    const genuine = alice.passkey.assert(await options(from('192.0.2.3')));
    const unknown = { ...genuine, id: 'bm90LWEtY3JlZGVudGlhbA', rawId: 'bm90LWEtY3JlZGVudGlhbA' };
    const failures = {
      'forged signature': await signIn(await forged(alice.passkey, from('192.0.2.1')), from('192.0.2.1')),
      'replayed challenge': await signIn(replayed, from('192.0.2.2')),
      'unknown credential': await signIn(unknown, from('192.0.2.3')),
      'made-up challenge': await signIn(
        bob.passkey.assert({ challenge: 'bm90LWEtY2hhbGxlbmdl' }),
        from('192.0.2.4'),
      ),
    };
    const [first] = Object.values(failures);
    expect(first).toMatchObject({ status: 401, code: 'SIGN_IN_FAILED' });
    // Status and body alike: not one key or value may tell the client which check failed.
    for (const [reason, failure] of Object.entries(failures)) {
      expect([reason, failure.status, failure.problem]).toEqual([reason, first?.status, first?.problem]);
    }
  });

  it('gives a new session at a passkey sign-in and ends the one the browser held', async () => {
    const first = await signIn(alice.passkey.assert(await options()));
    const held = /__Host-kith_session=[^;]+/.exec(first.cookie)?.[0] ?? '';
    const profile = (cookie: string) =>
      fetch(`${vault.url}/v1/me/profile`, { headers: { cookie } }).then((res) => res.status);
    expect(await profile(held)).toBe(200);
    // The same browser, still holding that session, signs in again.
    browser = await ceremonyClient(vault.url, '/profile', held);
    const again = await signIn(alice.passkey.assert(await options()));
    const issued = /__Host-kith_session=[^;]+/.exec(again.cookie)?.[0] ?? '';
    expect(issued).not.toBe('');
    expect(issued).not.toBe(held);
    expect([await profile(held), await profile(issued)]).toEqual([401, 200]);
  });

  it('sends a passkey sign-in on only to a path on this site', async () => {
    const redirect = async (next: string) => {
      const res = await browser.post('/auth/sign-in/verify', {
        response: bob.passkey.assert(await options()),
        next,
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { redirect: string }).redirect;
    };
    expect(await redirect('/approve/grq_1')).toBe('/approve/grq_1');
    for (const next of ['//evil.example', 'https://evil.example', '/\\evil.example'])
      expect(await redirect(next)).toBe('/');
  });

  it('accepts each signed challenge once, even after it verified', async () => {
    const response = bob.passkey.assert(await options());
    expect(await signIn(response)).toMatchObject({ status: 200 });
    expect(await signIn(response)).toMatchObject({ status: 401, code: 'SIGN_IN_FAILED' });
  });

  it('counts wrong recovery codes against the address typing them, not against everyone', async () => {
    const deps = { db: vault.vault.db, keys: vault.vault.keys, clock: vault.clock, config: vault.config };
    const { session } = await startSession(deps, { ownerId: bob.owner.id, authenticated: true });
    const [code = ''] = await regenerateRecoveryCodes(deps, { ownerId: bob.owner.id, session });
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await browser.postForm('/sign-in/recovery', { code: 'WXYZ-WXYZ-WXYZ-WXYZ' }, from('198.51.100.9')))
          .status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Past its budget the address is refused even the right code; another address is not held back.
    expect((await browser.postForm('/sign-in/recovery', { code }, from('198.51.100.9'))).status).toBe(429);
    const recovered = await browser.postForm('/sign-in/recovery', { code }, from('198.51.100.10'));
    expect(recovered.status).toBe(303);
    expect(recovered.headers.get('location')).toBe('/security/passkeys/new');
  });

  it('counts failed re-authentications against the owner, not the address', async () => {
    const deps = { db: vault.vault.db, keys: vault.vault.keys, clock: vault.clock, config: vault.config };
    const cookies = new Map<string, string>();
    for (const who of [alice, bob]) {
      const { token } = await startSession(deps, { ownerId: who.owner.id });
      cookies.set(who.owner.id, `${SESSION_COOKIE}=${token}`);
    }
    const reauthenticate = async (who: typeof alice, forge: boolean) => {
      const session = await ceremonyClient(vault.url, '/security', cookies.get(who.owner.id));
      const options = (await (await session.post('/auth/reauthenticate/options')).json()) as {
        challenge: string;
      };
      const response = who.passkey.assert(options);
      if (forge) response.response.signature = Buffer.from('not a signature').toString('base64url');
      const res = await session.post('/auth/reauthenticate/verify', { response });
      return ((await res.json()) as { code?: string; ok?: boolean }).code ?? 'ok';
    };
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await reauthenticate(alice, true));
    expect(answers).toEqual(['SIGN_IN_FAILED', 'SIGN_IN_FAILED', 'SIGN_IN_FAILED', 'RATE_LIMITED']);
    // Bob, at the same address, is not held back.
    expect(await reauthenticate(bob, false)).toBe('ok');
  });
});
