import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
import * as initial from './migrations/2026-11-23T18-00-initial.ts';
import * as ownersPasskeys from './migrations/2026-11-23T19-00-owners-passkeys.ts';
import * as vendorsKeys from './migrations/2026-11-23T19-10-vendors-keys.ts';
import * as grantsAudit from './migrations/2026-11-23T19-20-grants-audit.ts';
import * as events from './migrations/2026-11-23T19-30-events.ts';
import * as contact from './migrations/2026-11-23T19-40-contact.ts';
import * as relationships from './migrations/2026-11-23T19-50-relationships.ts';
import * as accessLogIndexes from './migrations/2026-11-23T22-40-access-log-indexes.ts';
import * as jtiKeys from './migrations/2026-11-23T22-50-jti-keys.ts';
import * as accessLogClientIndex from './migrations/2026-11-24T00-30-access-log-client-index.ts';
import * as accessLogCheckpoints from './migrations/2026-12-04T17-30-access-log-checkpoints.ts';
import * as eventSequences from './migrations/2026-12-04T18-00-event-sequences.ts';
import * as terms from './migrations/2026-12-04T18-10-terms.ts';
import * as grantVersions from './migrations/2026-12-05T05-00-grant-versions.ts';

/**
 * Every migration, by timestamped name. Listed here rather than read from a
 * folder so that the same code runs from source, from a bundle and in tests.
 */
const migrations: Record<string, Migration> = {
  '2026-11-23T18-00-initial': initial,
  '2026-11-23T19-00-owners-passkeys': ownersPasskeys,
  '2026-11-23T19-10-vendors-keys': vendorsKeys,
  '2026-11-23T19-20-grants-audit': grantsAudit,
  '2026-11-23T19-30-events': events,
  '2026-11-23T19-40-contact': contact,
  '2026-11-23T19-50-relationships': relationships,
  '2026-11-23T22-40-access-log-indexes': accessLogIndexes,
  '2026-11-23T22-50-jti-keys': jtiKeys,
  '2026-11-24T00-30-access-log-client-index': accessLogClientIndex,
  '2026-12-04T17-30-access-log-checkpoints': accessLogCheckpoints,
  '2026-12-04T18-00-event-sequences': eventSequences,
  '2026-12-04T18-10-terms': terms,
  '2026-12-05T05-00-grant-versions': grantVersions,
};

// biome-ignore lint/suspicious/noExplicitAny: migrations run against whatever schema the database has.
type AnyDb = Kysely<any>;

function migrator(db: AnyDb): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

/** Brings the schema to the newest version; throws the first failure. */
export async function migrateToLatest(db: AnyDb): Promise<string[]> {
  return applied(await migrator(db).migrateToLatest());
}

/** Undoes the newest migration. */
export async function migrateDown(db: AnyDb): Promise<string[]> {
  return applied(await migrator(db).migrateDown());
}

function applied({ error, results }: MigrationResultSet): string[] {
  if (error) throw error;
  return (results ?? [])
    .filter((r) => r.status === 'Success')
    .map((r) => `${r.direction.toLowerCase()} ${r.migrationName}`);
}
