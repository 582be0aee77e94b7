import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { openTestVault } from './support/test-vault.ts';

// Distinctive values that occur nowhere else, so finding one means it leaked.
const secrets = {
  'preferences.preferred_name': 'Zephyrine-Quandt-41',
  given_name: 'Xanthippe-Oduya',
  email: 'marmalade.koala.7319@example.org',
  phone_number: '+442079460321',
  address: {
    street_address: '77 Obscura Wharf',
    locality: 'Thistlewick',
    postal_code: 'QX9 7ZZ',
    country: 'GB',
  },
  'preferences.notes_for_vendors': 'Leave parcels behind the heliotrope planter',
};
const needles = [
  'Zephyrine-Quandt-41',
  'Xanthippe-Oduya',
  'marmalade.koala.7319',
  '+442079460321',
  '2079460321',
  'Obscura Wharf',
  'Thistlewick',
  'heliotrope planter',
];

function findNeedles(haystack: Buffer): string[] {
  return needles.filter(
    (needle) =>
      haystack.includes(Buffer.from(needle, 'utf8')) || haystack.includes(Buffer.from(needle, 'utf16le')),
  );
}

describeEachDatabase('personal data at rest', (database) => {
  it('stores no profile value, owner name or log line in plaintext', async () => {
    const tv = await openTestVault(database());
    const { cookie } = await tv.signedInOwner('Owner-Name-Pelagia');
    const res = await requestJson(tv.app, '/v1/me/profile', { method: 'PATCH', cookie, json: secrets });
    expect(res.status).toBe(200);
    // Rewrite a few values so old versions would linger in free pages if stored plainly.
    await requestJson(tv.app, '/v1/me/profile', { method: 'PATCH', cookie, json: { given_name: 'Other' } });
    await requestJson(tv.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie,
      json: { given_name: secrets.given_name },
    });
    // The values really are there: the vault reads them back.
    const read = await requestJson<{ fields: Record<string, { value: unknown }> }>(tv.app, '/v1/me/profile', {
      cookie,
    });
    expect(read.body.fields.email?.value).toBe(secrets.email);

    let raw: Buffer;
    if (database().kind === 'sqlite') {
      const path = tv.config.database.kind === 'sqlite' ? tv.config.database.path : '';
      await tv.close();
      // Everything on disk: the main file and whatever the WAL still holds.
      raw = Buffer.concat(
        [path, `${path}-wal`, `${path}-shm`].filter(existsSync).map((p) => readFileSync(p)),
      );
      expect(raw.length).toBeGreaterThan(0);
    } else {
      // Every row of every table, as PostgreSQL's own text rendering.
      const tables = await sql<{
        tablename: string;
      }>`select tablename from pg_tables where schemaname = 'public'`.execute(tv.vault.db);
      const dumps: string[] = [];
      for (const { tablename } of tables.rows) {
        const rows = await sql<{ row: string }>`select t::text as row from ${sql.table(tablename)} t`.execute(
          tv.vault.db,
        );
        dumps.push(...rows.rows.map((r) => r.row));
      }
      expect(dumps.length).toBeGreaterThan(3);
      raw = Buffer.from(dumps.join('\n'), 'utf8');
      await tv.close();
    }
    expect(findNeedles(raw)).toEqual([]);
    expect(raw.includes(Buffer.from('Owner-Name-Pelagia'))).toBe(false);
    expect(findNeedles(Buffer.from(tv.logs.join('\n')))).toEqual([]);
  });
});

describe('the needle scan', () => {
  it('finds a value stored in plaintext (so a clean scan means something)', () => {
    expect(findNeedles(Buffer.from('…"Thistlewick"…'))).toEqual(['Thistlewick']);
  });
});
