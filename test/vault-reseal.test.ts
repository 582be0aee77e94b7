import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { open } from '../server/src/keys/envelope.ts';
import { createVaultKeys } from '../server/src/keys/vault-keys.ts';
import { resealVault } from '../server/src/ops/vault-reseal.service.ts';
import { getOwner } from '../server/src/owners/owner.service.ts';
import { runKith } from './support/cli.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { createTempDir, type TempDir } from './support/temp-dir.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

// A v1 envelope exactly as Kith wrote every sealed value before v2 (AES-256-GCM,
// 0x01 | nonce 12 | ciphertext | tag 16), built here without the server's code.
function sealV1(key: Buffer, value: Buffer, context: string): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(value), cipher.final()]);
  return Buffer.concat([Buffer.of(0x01), nonce, body, cipher.getAuthTag()]);
}

// The master key's derived keys, as vault-keys.ts derives them (HKDF-SHA256, RFC 5869).
function derived(masterKey: string, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(masterKey, 'base64'), Buffer.alloc(0), info, 32));
}

const profile = {
  email: 'ada@example.org',
  given_name: 'Ada',
  address: { street_address: '12 Analytical Row', locality: 'London', country: 'GB' },
};

type Fields = Record<string, { value: unknown; version: number }>;

describeEachDatabase('kith vault reseal', (database) => {
  let tv: TestVault;
  let dir: TempDir;
  let ownerId: string;
  let cookie: string;
  let before: { version: number; fields: Fields };

  // Every sealed column of the vault, with the format byte each value is in.
  async function formats(): Promise<number[]> {
    const db = tv.vault.db;
    const columns = [
      ...(await db.selectFrom('owners').select(['data_key_wrapped as s']).execute()),
      ...(await db.selectFrom('owners').select(['name_sealed as s']).execute()),
      ...(await db.selectFrom('profile_fields').select(['value_sealed as s']).execute()),
      ...(await db.selectFrom('passkeys').select(['name_sealed as s']).execute()),
      ...(await db.selectFrom('signing_keys').select(['private_key_sealed as s']).execute()),
      ...(await db.selectFrom('vendors').select(['webhook_secret_sealed as s']).execute()),
    ];
    return columns.flatMap(({ s }) => (s ? [s[0] as number] : []));
  }

  beforeAll(async () => {
    dir = createTempDir('kith-reseal-');
    tv = await openTestVault(database());
    const signedIn = await tv.signedInOwner('Ada Lovelace');
    ownerId = signedIn.owner.id;
    cookie = signedIn.cookie;
    const patched = await requestJson(tv.app, '/v1/me/profile', { method: 'PATCH', cookie, json: profile });
    expect(patched.status).toBe(200);

    // Turn the whole vault into one written before v2: every sealed value re-written as v1.
    const db = tv.vault.db;
    const owner = await db
      .selectFrom('owners')
      .selectAll()
      .where('id', '=', ownerId)
      .executeTakeFirstOrThrow();
    const dataKey = tv.vault.keys.dataKey(ownerId, owner.data_key_wrapped);
    const wrappingKey = derived(tv.masterKey, 'kith/v1/key-wrapping');
    const secretsKey = derived(tv.masterKey, 'kith/v1/server-secrets');
    const nameContext = `owner:${ownerId}|name`;
    await db
      .updateTable('owners')
      .set({
        data_key_wrapped: sealV1(wrappingKey, dataKey, `data-key|owner:${ownerId}`),
        name_sealed: sealV1(dataKey, open(dataKey, owner.name_sealed, nameContext), nameContext),
      })
      .where('id', '=', ownerId)
      .execute();
    for (const row of await db
      .selectFrom('profile_fields')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .execute()) {
      const context = `owner:${ownerId}|field:${row.path}`;
      const value = open(dataKey, row.value_sealed as Uint8Array, context);
      await db
        .updateTable('profile_fields')
        .set({ value_sealed: sealV1(dataKey, value, context) })
        .where('owner_id', '=', ownerId)
        .where('path', '=', row.path)
        .execute();
    }
    await db
      .insertInto('passkeys')
      .values({
        id: 'pk_reseal',
        owner_id: ownerId,
        credential_id: 'cred-reseal',
        public_key: Buffer.of(1, 2, 3),
        counter: 0,
        transports: '[]',
        device_type: 'singleDevice',
        backed_up: 0,
        name_sealed: sealV1(dataKey, Buffer.from('Blue key'), `owner:${ownerId}|passkey:pk_reseal|name`),
        created_at: 0,
        last_used_at: null,
        counter_regressed_at: null,
      })
      .execute();
    for (const row of await db.selectFrom('signing_keys').selectAll().execute()) {
      const context = `secret|signing-key|${row.kid}`;
      await db
        .updateTable('signing_keys')
        .set({
          private_key_sealed: sealV1(secretsKey, open(secretsKey, row.private_key_sealed, context), context),
        })
        .where('kid', '=', row.kid)
        .execute();
    }
    const clientId = 'https://shop.example';
    await db
      .insertInto('vendors')
      .values({
        client_id: clientId,
        metadata: '{}',
        fetched_at: 0,
        expires_at: 0,
        webhook_secret_sealed: sealV1(
          secretsKey,
          Buffer.from('whsec_reseal'),
          `secret|webhook-secret|${clientId}`,
        ),
      })
      .execute();
    expect(new Set(await formats())).toEqual(new Set([1]));
    const read = await requestJson<{ version: number; fields: Fields }>(tv.app, '/v1/me/profile', { cookie });
    before = read.body;
  });
  afterAll(async () => {
    await tv?.close();
    dir?.cleanup();
  });

  it('still opens v1 values', async () => {
    expect(Object.keys(before.fields).sort()).toEqual(['address', 'email', 'given_name']);
    expect(before.fields.email?.value).toBe(profile.email);
    expect(before.fields.address?.value).toEqual(profile.address);
    // A fresh key ring (no cached data key) unwraps the v1-wrapped key and opens the v1 name.
    const fresh = createVaultKeys(Buffer.from(tv.masterKey, 'base64'));
    expect((await getOwner({ ...tv.vault, keys: fresh, clock: tv.clock }, ownerId))?.name).toBe(
      'Ada Lovelace',
    );
  });

  it('reseals a value in v2 when it is next written, and leaves the others for later', async () => {
    const res = await requestJson(tv.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie,
      json: { given_name: 'Augusta' },
    });
    expect(res.status).toBe(200);
    const rows = await tv.vault.db
      .selectFrom('profile_fields')
      .select(['path', 'value_sealed'])
      .where('owner_id', '=', ownerId)
      .orderBy('path')
      .execute();
    expect(rows.map((r) => [r.path, r.value_sealed?.[0]])).toEqual([
      ['address', 1],
      ['email', 1],
      ['given_name', 2],
    ]);
    before.fields.given_name = { value: 'Augusta', version: before.version + 1 };
    before.version += 1;
  });

  it('`kith vault reseal` seals every v1 value in v2; values and versions are unchanged', async () => {
    const { code, stdout, stderr } = await runKith(['vault', 'reseal'], {
      cwd: dir.path,
      env: { KITH_DATABASE_URL: database().url, KITH_MASTER_KEY: tv.masterKey, KITH_LOG_LEVEL: 'warn' },
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // Data key, owner name, two profile values, passkey name, two signing keys, webhook secret.
    expect(stdout).toBe('1 owner(s) checked, 8 value(s) resealed in the v2 envelope\n');
    expect(new Set(await formats())).toEqual(new Set([2]));

    const after = await requestJson<{ version: number; fields: Fields }>(tv.app, '/v1/me/profile', {
      cookie,
    });
    expect(after.body.version).toBe(before.version);
    for (const [path, field] of Object.entries(before.fields)) {
      expect(after.body.fields[path]?.value).toEqual(field.value);
      expect(after.body.fields[path]?.version).toBe(field.version);
    }
    const fresh = createVaultKeys(Buffer.from(tv.masterKey, 'base64'));
    expect((await getOwner({ ...tv.vault, keys: fresh, clock: tv.clock }, ownerId))?.name).toBe(
      'Ada Lovelace',
    );
  });

  it('reseals nothing on a second run', async () => {
    expect(await resealVault(tv.vault)).toEqual({ owners: 1, resealed: 0 });
  });
});
