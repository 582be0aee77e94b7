import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../server/src/http/session-cookie.ts';
import { issueEnrollment, resetOwner } from '../server/src/owners/enrollment.service.ts';
import { insertPasskey } from '../server/src/owners/passkey.repository.ts';
import { renamePasskey } from '../server/src/owners/passkey.service.ts';
import { signInOptions } from '../server/src/owners/passkey-sign-in.service.ts';
import {
  regenerateRecoveryCodes,
  signInWithRecoveryCode,
} from '../server/src/owners/recovery-code.service.ts';
import { resumeSession, startSession } from '../server/src/owners/session.service.ts';
import { spendChallenge } from '../server/src/owners/webauthn-challenge.service.ts';
import { describeEachDatabase } from './support/databases.ts';
import { browserFor, sessionToken } from './support/page-browser.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

describeEachDatabase('owner web pages', (database) => {
  let tv: TestVault;
  const deps = () => ({ db: tv.vault.db, keys: tv.vault.keys, clock: tv.clock, config: tv.config });
  /** A signed-in owner and a fresh set of her recovery codes, made as a just re-authenticated session would. */
  const ownerWithRecoveryCodes = async () => {
    const { owner, cookie } = await tv.signedInOwner();
    const fresh = await resumeSession(deps(), sessionToken(cookie));
    if (!fresh) throw new Error('the session should be live');
    const codes = await regenerateRecoveryCodes(deps(), {
      ownerId: owner.id,
      session: { ...fresh, reauthenticatedAt: tv.clock.now() },
    });
    return { owner, cookie, codes };
  };

  beforeAll(async () => {
    tv = await openTestVault(database(), { env: { KITH_SIGN_IN_MAX_ATTEMPTS: '1000' } });
  });
  afterAll(() => tv?.close());

  describe('hardening', () => {
    it('sends a strict nonce-based CSP whose nonce is on every script, and no-store', async () => {
      const page = await browserFor(tv).get('/sign-in');
      expect(page.status).toBe(200);
      const csp = page.headers.get('content-security-policy') ?? '';
      const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeDefined();
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      const scripts = [...page.text.matchAll(/<script[^>]*>/g)].map((m) => m[0]);
      expect(scripts.length).toBeGreaterThan(0);
      for (const script of scripts) expect(script).toContain(`nonce="${nonce}"`);
      expect(page.headers.get('cache-control')).toBe('no-store');
      // Another response, another nonce.
      const again = await browserFor(tv).get('/sign-in');
      expect(again.headers.get('content-security-policy')).not.toBe(csp);
    });

    it('sets the CSRF cookie __Host-, HttpOnly, Secure and SameSite=Lax', async () => {
      const res = await tv.app.request('/sign-in');
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-kith_csrf='));
      expect(cookie).toMatch(/; Path=\//);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      expect(cookie).not.toMatch(/Domain=/i);
    });

    it('redirects a signed-out visitor from every owner page to sign-in', async () => {
      for (const path of ['/', '/profile', '/security', '/security/passkeys/new']) {
        const page = await browserFor(tv).get(path);
        // Back to where they were once signed in.
        const location = path === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(path)}`;
        expect([path, page.status, page.headers.get('location')]).toEqual([path, 303, location]);
      }
    });
  });

  describe('cross-site form posts', () => {
    const cases: {
      name: string;
      headers?: Record<string, string>;
      token?: (own: string, other: string) => string;
    }[] = [
      {
        name: 'from another origin',
        headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      },
      { name: 'from another site, by fetch metadata alone', headers: { 'sec-fetch-site': 'cross-site' } },
      {
        name: 'from a sibling site',
        headers: { origin: 'http://localhost:9999', 'sec-fetch-site': 'same-site' },
      },
      { name: 'without a token', token: () => '' },
      { name: "with another session's token", token: (_own, other) => other },
      { name: 'with a forged token', token: (own) => `${own.slice(0, -2)}xx` },
    ];
    for (const { name, headers, token } of cases) {
      it(`refuses a profile form post ${name}, and saves nothing`, async () => {
        const { cookie } = await tv.signedInOwner();
        const me = browserFor(tv, { [SESSION_COOKIE]: sessionToken(cookie) });
        await me.get('/profile');
        const other = browserFor(tv, { [SESSION_COOKIE]: sessionToken((await tv.signedInOwner()).cookie) });
        await other.get('/profile');
        const sent = token ? token(me.token, other.token) : me.token;
        const res = await me.post('/profile/identity', { _csrf: sent, given_name: 'Mallory' }, headers);
        expect(res.status).toBe(403);
        expect(res.text).toContain('This form has expired');
        expect((await me.get('/profile')).text).not.toContain('Mallory');
      });
    }

    it('accepts the same form from our own page (the control case)', async () => {
      const { cookie } = await tv.signedInOwner();
      const me = browserFor(tv, { [SESSION_COOKIE]: sessionToken(cookie) });
      await me.get('/profile');
      const res = await me.post('/profile/identity', { _csrf: me.token, given_name: 'Ada' });
      expect([res.status, res.headers.get('location')]).toEqual([
        303,
        '/profile?saved=identity#section-identity',
      ]);
      expect((await me.get('/profile')).text).toContain('value="Ada"');
    });

    it('refuses a ceremony request from another origin', async () => {
      const me = browserFor(tv);
      await me.get('/sign-in');
      const res = await tv.app.request('/auth/sign-in/options', {
        method: 'POST',
        headers: {
          cookie: me.cookieHeader(),
          'content-type': 'application/json',
          'x-csrf-token': me.token,
          origin: 'https://evil.example',
        },
        body: '{}',
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: 'CSRF_FAILED' });
    });
  });

  describe('sessions', () => {
    it('treats a stale session as signed out: pages redirect and forms change nothing', async () => {
      const { cookie } = await tv.signedInOwner();
      const me = browserFor(tv, { [SESSION_COOKIE]: sessionToken(cookie) });
      expect((await me.get('/profile')).status).toBe(200);
      const token = me.token;
      tv.clock.advance(tv.config.session.idleMs);
      const page = await me.get('/');
      expect([page.status, page.headers.get('location')]).toEqual([303, '/sign-in?ended=1']);
      const post = await me.post('/profile/identity', { _csrf: token, given_name: 'Stale' });
      expect(post.status).toBe(303);
      expect(post.headers.get('location')).toMatch(/^\/sign-in/);
    });

    it('lists sessions and signs out everywhere else', async () => {
      const { owner, cookie } = await tv.signedInOwner();
      const other = await startSession(deps(), {
        ownerId: owner.id,
        userAgent: 'Mozilla/5.0 (iPhone) Version/18.0 Safari/604.1',
      });
      const me = browserFor(tv, { [SESSION_COOKIE]: sessionToken(cookie) });
      const security = await me.get('/security');
      expect(security.text).toContain('Safari on iPhone');
      expect(security.text).toContain('This device');
      const res = await me.post('/security/sessions/end-others', { _csrf: me.token });
      expect(res.headers.get('location')).toBe('/security?ended=1');
      expect(await resumeSession(deps(), other.token)).toBeUndefined();
      expect(await resumeSession(deps(), sessionToken(cookie))).toBeDefined();
    });

    it('gives a new session id at sign-in and ends the one the browser held', async () => {
      const {
        owner,
        cookie,
        codes: [code],
      } = await ownerWithRecoveryCodes();
      const me = browserFor(tv, { [SESSION_COOKIE]: sessionToken(cookie) });
      await me.get('/');
      const res = await me.post('/sign-in/recovery', { _csrf: me.token, code: code as string });
      expect(res.headers.get('location')).toBe('/security/passkeys/new');
      const issued = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`)) ?? '';
      expect(issued).toMatch(/; HttpOnly/);
      expect(issued).toMatch(/; Secure/);
      expect(issued).toMatch(/; SameSite=Lax/);
      expect(issued).toMatch(/; Path=\//);
      expect(me.jar[SESSION_COOKIE]).not.toBe(sessionToken(cookie));
      expect(await resumeSession(deps(), sessionToken(cookie))).toBeUndefined();
      expect(await resumeSession(deps(), me.jar[SESSION_COOKIE] as string)).toMatchObject({
        ownerId: owner.id,
      });
    });

    it('takes a recovery code sign-in from an approval link on to the request, once she has a passkey', async () => {
      const { codes } = await ownerWithRecoveryCodes();
      const approval = '/approve/grq_0123456789abcdef';
      const device = browserFor(tv);
      const signIn = await device.get(`/sign-in?next=${encodeURIComponent(approval)}`);
      // The code form carries where she was going, as the passkey button does.
      expect(signIn.text).toContain(`<input type="hidden" name="next" value="${approval}"/>`);

      // A wrong code: the form still carries it.
      const wrong = await device.post('/sign-in/recovery', {
        _csrf: device.token,
        code: 'AAAA-BBBB-CCCC-DDDD',
        next: approval,
      });
      expect(wrong.status).toBe(401);
      expect(wrong.text).toContain(`<input type="hidden" name="next" value="${approval}"/>`);

      const right = await device.post('/sign-in/recovery', {
        _csrf: device.token,
        code: codes[0] as string,
        next: approval,
      });
      expect(right.headers.get('location')).toBe(
        `/security/passkeys/new?next=${encodeURIComponent(approval)}`,
      );
      const page = await device.get(right.headers.get('location') as string);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`data-next="${approval}"`);
      expect(page.text).toContain(`<a href="${approval}">Not now, go to the request</a>`);

      // Nowhere to go on to, or somewhere off this site: the new passkey page, then security settings.
      for (const next of [undefined, '//evil.example/approve']) {
        const again = browserFor(tv);
        await again.get('/sign-in');
        const res = await again.post('/sign-in/recovery', {
          _csrf: again.token,
          code: codes[next ? 2 : 1] as string,
          ...(next ? { next } : {}),
        });
        expect(res.headers.get('location')).toBe('/security/passkeys/new');
        const plain = await again.get('/security/passkeys/new?next=%2F%2Fevil.example');
        expect(plain.text).not.toContain('data-next');
        expect(plain.text).toContain('<a href="/security">Not now, go to security settings</a>');
      }
    });

    it('sends a signed-in visitor on from sign-in only to a path on this site', async () => {
      const { cookie } = await tv.signedInOwner();
      const me = browserFor(tv, { [SESSION_COOKIE]: sessionToken(cookie) });
      const approval = '/approve/grq_0123456789abcdef';
      const onward = await me.get(`/sign-in?next=${encodeURIComponent(approval)}`);
      expect([onward.status, onward.headers.get('location')]).toEqual([303, approval]);
      for (const next of ['//evil.example', 'https://evil.example', '/\\evil.example', '/\\/evil.example']) {
        const page = await me.get(`/sign-in?next=${encodeURIComponent(next)}`);
        expect([next, page.status, page.headers.get('location')]).toEqual([next, 303, '/']);
        // Signed out, the passkey button goes home instead.
        const signedOut = await browserFor(tv).get(`/sign-in?next=${encodeURIComponent(next)}`);
        expect(signedOut.status).toBe(200);
        expect(signedOut.text).toContain('data-next="/"');
        expect(signedOut.text).not.toContain('evil.example');
      }
    });

    it('keeps only keyed hashes of recovery codes: no stored column holds a code', async () => {
      const { owner, codes } = await ownerWithRecoveryCodes();
      expect(codes.length).toBeGreaterThan(0);
      const rows = await tv.vault.db
        .selectFrom('recovery_codes')
        .selectAll()
        .where('owner_id', '=', owner.id)
        .execute();
      expect(rows).toHaveLength(codes.length);
      const stored = rows
        .flatMap((row) => Object.values(row))
        .map((value) =>
          Buffer.isBuffer(value) ? `${value.toString('utf8')} ${value.toString('hex')}` : String(value),
        )
        .join('\n')
        .toUpperCase();
      for (const code of codes) {
        const normalised = code.replaceAll('-', '').toUpperCase();
        expect(stored).not.toContain(code.toUpperCase());
        expect(stored).not.toContain(normalised);
        // Keyed, too: a plain digest of a code is as searchable as the code.
        const plain = createHash('sha256').update(normalised).digest();
        for (const encoding of ['hex', 'base64', 'base64url'] as const) {
          expect(stored).not.toContain(plain.toString(encoding).toUpperCase());
        }
      }
    });

    it('refuses to add a passkey once the confirmation with a passkey is five minutes old', async () => {
      const { owner, cookie } = await tv.signedInOwner();
      // Confirmed four minutes ago: fresh, for one more minute.
      await tv.vault.db
        .updateTable('sessions')
        .set({ reauthenticated_at: tv.clock.now() - 4 * 60_000 })
        .where('owner_id', '=', owner.id)
        .execute();
      const me = browserFor(tv, { [SESSION_COOKIE]: sessionToken(cookie) });
      await me.get('/security');
      const ceremony = async (path: string, body: unknown) => {
        const res = await tv.app.request(path, {
          method: 'POST',
          headers: {
            cookie: me.cookieHeader(),
            'content-type': 'application/json',
            'x-csrf-token': me.token,
            origin: tv.config.publicUrl.origin,
            'sec-fetch-site': 'same-origin',
          },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as { code?: string; challenge?: string } };
      };
      const options = await ceremony('/auth/passkeys/options', {});
      expect([options.status, options.body.code]).toEqual([200, undefined]);
      const challenge = options.body.challenge as string;

      tv.clock.advance(2 * 60_000);
      expect(await ceremony('/auth/passkeys/options', {})).toMatchObject({
        status: 401,
        body: { code: 'REAUTHENTICATION_REQUIRED' },
      });
      // Even an answer to the challenge issued while the session was fresh, itself still live.
      const response = {
        id: 'bm90LWEtcGFzc2tleQ',
        rawId: 'bm90LWEtcGFzc2tleQ',
        type: 'public-key',
        clientExtensionResults: {},
        response: {
          clientDataJSON: Buffer.from(
            JSON.stringify({ type: 'webauthn.create', challenge, origin: tv.config.publicUrl.origin }),
          ).toString('base64url'),
          attestationObject: Buffer.from('not an attestation').toString('base64url'),
        },
      };
      expect(await ceremony('/auth/passkeys/verify', { response })).toMatchObject({
        status: 401,
        body: { code: 'REAUTHENTICATION_REQUIRED' },
      });
      expect(
        await tv.vault.db.selectFrom('passkeys').where('owner_id', '=', owner.id).selectAll().execute(),
      ).toEqual([]);
    });

    it('signs out: the session ends in the database, not only in the browser', async () => {
      const { cookie } = await tv.signedInOwner();
      const me = browserFor(tv, { [SESSION_COOKIE]: sessionToken(cookie) });
      await me.get('/');
      const res = await me.post('/sign-out', { _csrf: me.token });
      expect(res.headers.get('location')).toBe('/sign-in?signed-out=1');
      expect(await resumeSession(deps(), sessionToken(cookie))).toBeUndefined();
    });
  });

  describe('enrollment links', () => {
    it('refuses an unknown, a used-up or an expired link alike', async () => {
      const { owner } = await tv.signedInOwner();
      const unknown = await browserFor(tv).get('/enroll/not-a-real-token');
      expect(unknown.status).toBe(400);
      expect(unknown.text).toContain('This link does not work');
      const { url } = await issueEnrollment(deps(), { ownerId: owner.id, reason: 'create' });
      const path = new URL(url).pathname;
      expect((await browserFor(tv).get(path)).status).toBe(200);
      tv.clock.advance(24 * 3_600_000);
      expect((await browserFor(tv).get(path)).status).toBe(400);
    });

    it('a reset voids passkeys, recovery codes and sessions, and older links', async () => {
      const { owner, cookie } = await tv.signedInOwner('Reset Me');
      const session = await resumeSession(deps(), sessionToken(cookie));
      if (!session) throw new Error('the session should be live');
      await insertPasskey(tv.vault.db, {
        id: 'pk_test_reset',
        owner_id: owner.id,
        credential_id: 'cred-reset',
        public_key: Buffer.from([1]),
        counter: 0,
        transports: '[]',
        device_type: 'singleDevice',
        backed_up: 0,
        name_sealed: Buffer.from([1]),
        created_at: tv.clock.now(),
      });
      const codes = await regenerateRecoveryCodes(deps(), {
        ownerId: owner.id,
        session: { ...session, reauthenticatedAt: tv.clock.now() },
      });
      const older = await issueEnrollment(deps(), { ownerId: owner.id, reason: 'create' });
      const { enrollment } = await resetOwner(deps(), { name: 'reset me' });
      expect(await resumeSession(deps(), sessionToken(cookie))).toBeUndefined();
      expect(
        await tv.vault.db.selectFrom('passkeys').where('owner_id', '=', owner.id).selectAll().execute(),
      ).toEqual([]);
      await expect(
        signInWithRecoveryCode(deps(), { code: codes[0] as string, userAgent: null, clientAddress: 'test' }),
      ).rejects.toMatchObject({ code: 'SIGN_IN_FAILED' });
      expect((await browserFor(tv).get(new URL(older.url).pathname)).status).toBe(400);
      expect((await browserFor(tv).get(new URL(enrollment.url).pathname)).status).toBe(200);
      // Recorded: the reset link's row says why it exists.
      const reasons = await tv.vault.db
        .selectFrom('enrollments')
        .select('reason')
        .where('owner_id', '=', owner.id)
        .execute();
      expect(reasons.map((r) => r.reason).sort()).toEqual(['create', 'reset']);
    });
  });

  describe('passkey removal', () => {
    it('never removes the last passkey while no recovery code is left', async () => {
      const { owner, cookie } = await tv.signedInOwner();
      await insertPasskey(tv.vault.db, {
        id: 'pk_test_last',
        owner_id: owner.id,
        credential_id: 'cred-last',
        public_key: Buffer.from([1]),
        counter: 0,
        transports: '[]',
        device_type: 'singleDevice',
        backed_up: 0,
        name_sealed: Buffer.from([1]),
        created_at: tv.clock.now(),
      });
      await renamePasskey(deps(), { ownerId: owner.id, id: 'pk_test_last', name: 'Only key' });
      // Fresh: as if the owner just confirmed with a passkey.
      await tv.vault.db
        .updateTable('sessions')
        .set({ reauthenticated_at: tv.clock.now() })
        .where('owner_id', '=', owner.id)
        .execute();
      const me = browserFor(tv, { [SESSION_COOKIE]: sessionToken(cookie) });
      await me.get('/');
      const res = await me.post('/security/passkeys/pk_test_last/remove', { _csrf: me.token });
      expect(res.status).toBe(409);
      expect(res.text).toContain('This is your only way in.');
      expect(
        await tv.vault.db.selectFrom('passkeys').where('id', '=', 'pk_test_last').selectAll().execute(),
      ).toHaveLength(1);
    });
  });

  describe('challenges', () => {
    it('answer once: a second use of the same challenge finds nothing', async () => {
      const { challenge } = await signInOptions(deps());
      const response = {
        response: { clientDataJSON: Buffer.from(JSON.stringify({ challenge })).toString('base64url') },
      };
      expect(await spendChallenge(deps(), response, 'sign-in')).toMatchObject({ challenge });
      expect(await spendChallenge(deps(), response, 'sign-in')).toBeUndefined();
    });

    it('expire after five minutes, and answer only their own ceremony', async () => {
      const late = await signInOptions(deps());
      const wrong = await signInOptions(deps());
      const answer = (challenge: string) => ({
        response: { clientDataJSON: Buffer.from(JSON.stringify({ challenge })).toString('base64url') },
      });
      tv.clock.advance(5 * 60_000);
      expect(await spendChallenge(deps(), answer(late.challenge), 'sign-in')).toBeUndefined();
      const fresh = await signInOptions(deps());
      expect(await spendChallenge(deps(), answer(fresh.challenge), 'register')).toBeUndefined();
      expect(await spendChallenge(deps(), answer(wrong.challenge), 'sign-in')).toBeUndefined();
    });
  });
});

describeEachDatabase('sign-in rate limit', (database) => {
  let tv: TestVault;
  beforeAll(async () => {
    tv = await openTestVault(database(), { env: { KITH_SIGN_IN_MAX_ATTEMPTS: '3' } });
  });
  afterAll(() => tv?.close());

  it('answers every failed sign-in the same way, then refuses past the budget', async () => {
    const me = browserFor(tv);
    await me.get('/sign-in');
    const answers = [];
    for (const code of ['AAAA-BBBB-CCCC-DDDD', 'nonsense', '']) {
      const res = await me.post('/sign-in/recovery', { _csrf: me.token, code });
      answers.push([res.status, /Sign-in failed\./.test(res.text)]);
    }
    expect(answers).toEqual([
      [401, true],
      [401, true],
      [401, true],
    ]);
    const limited = await me.post('/sign-in/recovery', { _csrf: me.token, code: 'AAAA-BBBB-CCCC-DDDD' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe(String(15 * 60));
    // The window passes; attempts are allowed again.
    tv.clock.advance(15 * 60_000);
    expect((await me.post('/sign-in/recovery', { _csrf: me.token, code: 'x' })).status).toBe(401);
  });
});
