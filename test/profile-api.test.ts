import type { ErrorCode, ProfileView } from '@kith/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

const ada = {
  name: 'Ada Lovelace',
  given_name: 'Ada',
  email: 'ada@example.com',
  phone_number: '+447700900123',
  address: {
    street_address: '12 St James Square',
    locality: 'London',
    postal_code: 'SW1Y 4JH',
    country: 'GB',
  },
  birthdate: '1815-12-10',
  'contact.channels': ['email', 'post'],
  'contact.no_marketing': true,
  'preferences.pronouns': 'she/her',
};

describeEachDatabase('owner profile API', (database) => {
  let tv: TestVault;
  let cookie: string;

  beforeAll(async () => {
    tv = await openTestVault(database());
    ({ cookie } = await tv.signedInOwner());
  });
  afterAll(() => tv?.close());

  const profile = () => requestJson<ProfileView>(tv.app, '/v1/me/profile', { cookie });
  const patch = (json: unknown) =>
    requestJson<ProfileView>(tv.app, '/v1/me/profile', { method: 'PATCH', cookie, json });

  it('starts empty at version 0', async () => {
    const res = await profile();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ version: 0, updatedAt: null, fields: {} });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('stores several fields in one change and bumps the version once', async () => {
    const res = await patch({ ...ada, birthdate: '1985-12-10' });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(1);
    expect(res.body.fields.email).toEqual({
      value: 'ada@example.com',
      version: 1,
      updatedAt: '2026-03-01T09:00:00.000Z',
    });
    expect(res.body.fields.address?.value).toMatchObject({ country: 'GB', locality: 'London' });
    expect(res.body.fields['contact.channels']?.value).toEqual(['email', 'post']);
    expect((await profile()).body).toEqual(res.body);
  });

  it('changes only what differs: a field sent with its current value keeps its version', async () => {
    tv.clock.advance(60_000);
    const res = await patch({ email: 'ada@example.com', nickname: 'Countess' });
    expect(res.body.version).toBe(2);
    expect(res.body.fields.email?.version).toBe(1);
    expect(res.body.fields.nickname).toEqual({
      value: 'Countess',
      version: 2,
      updatedAt: '2026-03-01T09:01:00.000Z',
    });
  });

  it('does not bump the version when nothing changed', async () => {
    const res = await patch({ email: 'ada@example.com' });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(2);
  });

  it('clears a field with null, and with DELETE on its path', async () => {
    const cleared = await patch({ nickname: null });
    expect(cleared.body.version).toBe(3);
    expect(cleared.body.fields.nickname).toBeUndefined();
    const deleted = await requestJson<ProfileView>(tv.app, '/v1/me/profile/preferences.pronouns', {
      method: 'DELETE',
      cookie,
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body.version).toBe(4);
    expect(deleted.body.fields['preferences.pronouns']).toBeUndefined();
    // Setting a cleared field again continues its version history.
    const again = await patch({ nickname: 'Ada' });
    expect(again.body.fields.nickname?.version).toBe(5);
  });

  it('exports the whole vault as a download', async () => {
    const res = await requestJson<{ format: string; profile: ProfileView }>(tv.app, '/v1/me/export', {
      cookie,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="kith-export-2026-03-01.json"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.format).toBe('kith-export/1');
    expect(res.body.profile).toEqual((await profile()).body);
  });

  it("keeps owners apart: one owner's session never reads another's profile", async () => {
    const other = await tv.signedInOwner();
    const res = await requestJson<ProfileView>(tv.app, '/v1/me/profile', { cookie: other.cookie });
    expect(res.body.fields).toEqual({});
  });

  describe('bad input gets its own code and changes nothing', () => {
    const cases: {
      name: string;
      code: ErrorCode;
      status: number;
      send: () => Promise<{ status: number; body: unknown }>;
    }[] = [
      {
        name: 'an invalid email',
        code: 'VALIDATION_FAILED',
        status: 400,
        send: () => patch({ email: 'ada@' }),
      },
      {
        name: 'an invalid phone number',
        code: 'VALIDATION_FAILED',
        status: 400,
        send: () => patch({ phone_number: '07700 900123' }),
      },
      {
        name: 'an unknown country code',
        code: 'VALIDATION_FAILED',
        status: 400,
        send: () => patch({ address: { locality: 'Nowhere', country: 'XX' } }),
      },
      {
        name: 'an impossible birthdate',
        code: 'VALIDATION_FAILED',
        status: 400,
        send: () => patch({ birthdate: '1990-02-30' }),
      },
      {
        name: 'a birthdate in the future',
        code: 'VALIDATION_FAILED',
        status: 400,
        send: () => patch({ birthdate: '2999-01-01' }),
      },
      {
        name: 'an unknown field',
        code: 'UNKNOWN_FIELD',
        status: 400,
        send: () => patch({ email: 'new@example.com', shoe_colour: 'red' }),
      },
      {
        name: 'a wrong type',
        code: 'VALIDATION_FAILED',
        status: 400,
        send: () => patch({ 'contact.no_marketing': 'yes' }),
      },
      {
        name: 'a body that is not an object',
        code: 'VALIDATION_FAILED',
        status: 400,
        send: () => patch(['email']),
      },
      {
        name: 'one bad field among good ones',
        code: 'VALIDATION_FAILED',
        status: 400,
        send: () => patch({ given_name: 'Augusta', email: 'not-an-email' }),
      },
      {
        name: 'malformed JSON',
        code: 'MALFORMED_JSON',
        status: 400,
        send: () =>
          requestJson(tv.app, '/v1/me/profile', {
            method: 'PATCH',
            cookie,
            body: '{"email": "a@b.c",',
            headers: { 'content-type': 'application/json' },
          }),
      },
      {
        name: 'a body that is not JSON at all',
        code: 'UNSUPPORTED_MEDIA_TYPE',
        status: 415,
        send: () =>
          requestJson(tv.app, '/v1/me/profile', {
            method: 'PATCH',
            cookie,
            body: 'email=a@b.c',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }),
      },
      {
        name: 'a body over the limit',
        code: 'BODY_TOO_LARGE',
        status: 413,
        send: () => patch({ 'preferences.notes_for_vendors': 'x'.repeat(200 * 1024) }),
      },
      {
        name: 'no session',
        code: 'UNAUTHENTICATED',
        status: 401,
        send: () =>
          requestJson(tv.app, '/v1/me/profile', {
            method: 'PATCH',
            headers: { 'sec-fetch-site': 'same-origin' },
            json: { email: 'x@example.com' },
          }),
      },
      {
        name: 'a forged session',
        code: 'UNAUTHENTICATED',
        status: 401,
        send: () =>
          requestJson(tv.app, '/v1/me/profile', {
            method: 'PATCH',
            cookie: '__Host-kith_session=forged',
            json: { email: 'x@example.com' },
          }),
      },
      {
        name: 'clearing an unknown field',
        code: 'UNKNOWN_FIELD',
        status: 400,
        send: () => requestJson(tv.app, '/v1/me/profile/favourite_colour', { method: 'DELETE', cookie }),
      },
    ];

    for (const { name, code, status, send } of cases) {
      it(`refuses ${name} with ${code}`, async () => {
        const before = (await profile()).body;
        const res = await send();
        expect(res.status).toBe(status);
        expect(res.body).toMatchObject({
          code,
          status,
          type: `urn:kith:problem:${code.toLowerCase().replaceAll('_', '-')}`,
        });
        expect((res as { headers?: Headers }).headers?.get('content-type')).toBe('application/problem+json');
        expect((await profile()).body).toEqual(before);
      });
    }

    it('names every failing path', async () => {
      const res = await patch({ email: 'nope', phone_number: 'nope', given_name: 'Fine' });
      const errors = (res.body as unknown as { errors: { path: string }[] }).errors;
      expect(errors.map((e) => e.path).sort()).toEqual(['/email', '/phone_number']);
    });

    it('never echoes a submitted value in the problem', async () => {
      const res = await patch({
        email: 'secret-value-7731@',
        address: { country: 'QQ', locality: 'secret-town-9157' },
      });
      expect(JSON.stringify(res.body)).not.toMatch(/secret-value-7731|secret-town-9157/);
    });
  });

  describe('sessions', () => {
    it('ends a session left idle past the idle timeout', async () => {
      const fresh = await tv.signedInOwner();
      expect((await requestJson(tv.app, '/v1/me/profile', { cookie: fresh.cookie })).status).toBe(200);
      tv.clock.advance(tv.config.session.idleMs);
      const res = await requestJson(tv.app, '/v1/me/profile', { cookie: fresh.cookie });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'UNAUTHENTICATED' });
    });

    it('ends a session at its absolute expiry however busy it is', async () => {
      const fresh = await tv.signedInOwner();
      const step = tv.config.session.idleMs / 2;
      for (let t = 0; t + step < tv.config.session.absoluteMs; t += step) {
        tv.clock.advance(step);
        expect((await requestJson(tv.app, '/v1/me/profile', { cookie: fresh.cookie })).status).toBe(200);
      }
      tv.clock.advance(step);
      expect((await requestJson(tv.app, '/v1/me/profile', { cookie: fresh.cookie })).status).toBe(401);
    });
  });
});
