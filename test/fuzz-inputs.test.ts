import { createClientAssertion, createDpopProof } from '@kith/client';
import {
  CLIENT_ASSERTION_TYPE,
  contactChannels,
  contactTermsSchema,
  errorCodes,
  isErrorCode,
  MAX_GRANT_SECONDS,
  purposes,
} from '@kith/schemas';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fieldCases } from '../schemas/src/profile-fields.cases.ts';
import { approveGrantRequest, createGrantRequest } from '../server/src/grants/grant-request.service.ts';
import { acknowledgeErasure, endRelationship } from '../server/src/relationships/relationship.service.ts';
import { type DatabaseKind, describeEachDatabase, type TestDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { openSqliteFile, type SqliteFile } from './support/sqlite-file.ts';
import { startTestVendor, type TestVendor } from './support/vendor.ts';

/**
 * Generated cases per run: at least 10,000 in total over both databases
 * (SQLite is faster in-process, so it takes the larger part), more with
 * `KITH_FUZZ_RUNS` for a longer local run. Split over the six inputs below
 * by weight (out of 20): at 10,000, SQLite runs 975 grant requests, 975
 * approvals, 1,625 redeems, 1,625 profile patches, 650 collects and 650
 * erasure acknowledgements (6,500), PostgreSQL 525, 525, 875, 875, 350 and
 * 350 (3,500). Every case is one request and all three checks. (A vendor
 * input costs two to three times an owner's: every one writes its
 * rate-limit counter, and an accepted one its assertion's jti and its own
 * write, each a synced commit on SQLite.)
 */
const TOTAL = Math.max(10_000, Number(process.env.KITH_FUZZ_RUNS ?? 0) || 0);
const PART: Record<DatabaseKind, number> = { sqlite: 0.65, postgres: 0.35 };
const TIMEOUT = { timeout: 120_000 + TOTAL * 30 };

const fieldPaths = Object.keys(fieldCases);
const purposeIds = Object.keys(purposes);
/** Stands for "a fresh, genuine client assertion / DPoP proof", made when the case runs. */
const GENUINE = Symbol('genuine');
/** Marks a value made when the case runs (a client assertion, a real id), named by its kind. */
const LATER = Symbol('later');
type Later = { readonly [LATER]: string };
const later = (kind: string): Later => ({ [LATER]: kind });
const isLater = (value: unknown): value is Later =>
  typeof value === 'object' && value !== null && LATER in value;
/** In a near miss, a key left out. */
const DROP = Symbol('drop');
/**
 * Client assertions (RFC 7523) a vendor input is sent with: `issuer` and
 * `endpoint` are fresh and addressed to the vault or to the endpoint called,
 * the only kinds ever accepted; `replayed` is the last one accepted, sent again;
 * `elsewhere` is addressed to another endpoint; `expired` is five minutes old.
 */
const validAssertion = fc.constantFrom('issuer', 'endpoint').map(later);
const wrongAssertion = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('replayed', 'elsewhere', 'expired').map(later) },
  { weight: 1, arbitrary: fc.string({ maxLength: 50 }) },
  { weight: 1, arbitrary: fc.constant('a.b.c') },
);
/** Marks a generated profile patch (as opposed to generated garbage). */
const PATCH = Symbol('patch');

// Header values fetch can send: visible ASCII and spaces.
const headerValue = fc
  .string({ unit: 'binary-ascii', maxLength: 300 })
  .map((s) => s.replace(/[^\x20-\x7e]/g, ''));
const garbageJson = fc.oneof(
  fc.jsonValue(),
  fc.anything().map((v) => JSON.parse(JSON.stringify(v ?? null))),
);
const rawBody = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', '[', '{"a":', 'null', '"x"', '\uFEFF{}', '{"fields":["email"],}', 'NaN'),
);
const unknownKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'extra',
  'fields ',
  'EMAIL',
  'address.locality',
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
const oddNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -1,
    59,
    60,
    MAX_GRANT_SECONDS,
    MAX_GRANT_SECONDS + 1,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
  ),
  fc.string({ maxLength: 8 }),
);

/**
 * A body that is valid (`intact`) or a near miss: one key spoiled (left out
 * or given a wrong value), now and then two or three, and perhaps an unknown
 * key added. `valid` holds every key's good values (keys in `optional` may be
 * absent), `wrong` its bad ones. Values marked `later` are made when the case
 * runs. One key at a time, so that each guard is met alone, with nothing
 * else wrong to answer first.
 */
function nearMisses<V extends Record<string, fc.Arbitrary<unknown>>>(
  valid: V,
  optional: readonly (keyof V & string)[],
  wrong: Record<keyof V, fc.Arbitrary<unknown>>,
  weights: { intact: number; spoiled: number },
): fc.Arbitrary<{ body: Record<string, unknown>; intact: boolean }> {
  type Arbitraries = Record<string, fc.Arbitrary<unknown>>;
  const keys = Object.keys(valid);
  const base = fc.record(valid as Arbitraries, { requiredKeys: keys.filter((k) => !optional.includes(k)) });
  const bad = fc.record(
    Object.fromEntries(
      Object.entries(wrong as Arbitraries).map(([k, arbitrary]) => [
        k,
        fc.oneof({ weight: 1, arbitrary: fc.constant(DROP) }, { weight: 2, arbitrary }),
      ]),
    ),
  );
  const spoilt = fc.oneof(
    { weight: 3, arbitrary: fc.subarray(keys, { minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.subarray(keys, { minLength: 2, maxLength: 3 }) },
  );
  const nearMiss = fc.tuple(base, bad, spoilt, maybe(unknownKey)).map(([good, wrongs, spoil, extra]) => {
    const body: Record<string, unknown> = { ...good };
    for (const k of spoil) {
      if (wrongs[k] === DROP) delete body[k];
      else body[k] = wrongs[k];
    }
    // defineProperty, so that `__proto__` is sent as a key rather than setting the prototype.
    if (extra) Object.defineProperty(body, extra, { value: 1, enumerable: true, writable: true });
    return { body, intact: false };
  });
  return fc.oneof(
    { weight: weights.intact, arbitrary: base.map((body) => ({ body, intact: true })) },
    { weight: weights.spoiled, arbitrary: nearMiss },
  );
}

/** Mostly `bodies`; now and then JSON of any shape, or text that is not JSON at all. */
function orGarbage(
  bodies: fc.Arbitrary<{ body: Record<string, unknown>; intact: boolean }>,
): fc.Arbitrary<{ body: unknown; intact: boolean }> {
  return fc.oneof(
    { weight: 8, arbitrary: bodies as fc.Arbitrary<{ body: unknown; intact: boolean }> },
    { weight: 1, arbitrary: garbageJson.map((body) => ({ body, intact: false })) },
    { weight: 1, arbitrary: rawBody.map((body) => ({ body, intact: false })) },
  );
}

/**
 * A case's body as sent: a string as it is, anything else as JSON, an
 * object's values marked `later` made first (in key order); the kinds made,
 * by key.
 */
async function bodyText(
  body: unknown,
  make: (kind: string) => Promise<unknown>,
): Promise<{ text: string; payload: Record<string, unknown>; kinds: Record<string, string> }> {
  const payload: Record<string, unknown> = {};
  const kinds: Record<string, string> = {};
  if (typeof body === 'string') return { text: body, payload, kinds };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { text: JSON.stringify(body), payload, kinds };
  }
  for (const [key, value] of Object.entries(body)) {
    let made = value;
    if (isLater(value)) {
      kinds[key] = value[LATER];
      made = await make(value[LATER]);
    }
    Object.defineProperty(payload, key, { value: made, enumerable: true, writable: true });
  }
  return { text: JSON.stringify(payload), payload, kinds };
}

/** A part's rows as a sorted list (the two databases order ids by different collations). */
const rowsOf = (snapshot: Snapshot, part: string) =>
  String(snapshot[part] ?? '')
    .split(',')
    .filter(Boolean)
    .sort();

/** A content type that is usually right (all but `text/plain` are JSON the vault reads). */
const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/merge-patch+json',
);

/** Every refusal is a coded problem whose status is its code's; nothing is ever a 5xx. */
async function expectCodedAnswer(res: Response): Promise<{ code?: string }> {
  expect(res.status, `status ${res.status}`).toBeLessThan(500);
  if (res.status < 400) return res.status === 304 ? {} : ((await res.json()) as object);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as { code: string; status: number };
  expect(isErrorCode(body.code), body.code).toBe(true);
  expect(errorCodes[body.code as keyof typeof errorCodes].status).toBe(res.status);
  expect(body.status).toBe(res.status);
  return body;
}

/**
 * Writes any request may make, refused or not, and so left out of the state
 * compared: used DPoP proof and client assertion ids (a replay cache records
 * an id when it checks it) and rate-limit counters (every vendor request
 * counts).
 */
const bookkeeping = new Set(['dpop_proof_jtis', 'client_assertion_jtis', 'rate_limits']);

/** The vault's state, as compared around each request: named parts, each a row count or rows' content. */
type Snapshot = Record<string, number | string | null>;

/** The state at one moment, and the change mark it was read at. */
interface State {
  mark: string;
  snapshot: Snapshot;
}

/**
 * Watches the vault's database for committed writes, on a connection of its
 * own, in one query a check. A snapshot holds every table's row count and
 * the content of the rows these inputs can change: request statuses, grants'
 * collection (when, by which key, which token) and revocation, owners'
 * profile versions, the sealed profile fields, erasures' acknowledgements.
 * The same query reads a change mark, and the snapshot only when the mark
 * has moved since the last one: SQLite's `data_version` (moves when another
 * connection commits) or PostgreSQL's snapshot xmax (moves when any
 * transaction that wrote, or locked rows, ends). An unmoved mark proves
 * nothing was committed.
 *
 * The state after a case that passed is the state before the next one, so a
 * case costs one query; anything else (a case that failed, a write by the
 * test itself) makes the next case read the state first.
 */
async function watchState(database: TestDatabase) {
  const sqlite = database.kind === 'sqlite';
  let run: (name: string, text: string, values: unknown[]) => Promise<Record<string, unknown>[]>;
  let close: () => Promise<void>;
  if (sqlite) {
    const file = openSqliteFile(database.url, { readonly: true });
    const statements = new Map<string, ReturnType<SqliteFile['prepare']>>();
    run = async (name, text, values) => {
      let statement = statements.get(name);
      if (!statement) {
        statement = file.prepare(text);
        statements.set(name, statement);
      }
      return [statement.get(...values) as Record<string, unknown>];
    };
    close = async () => file.close();
  } else {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    // Named: PostgreSQL plans each once.
    run = async (name, text, values) => (await client.query({ name, text, values })).rows;
    close = () => client.end();
  }
  const tables = await run(
    'tables',
    sqlite
      ? "select group_concat(name) as names from sqlite_master where type = 'table' and name not like 'sqlite_%'"
      : "select string_agg(tablename, ',') as names from pg_tables where schemaname = current_schema()",
    [],
  );
  const hex = (column: string) => (sqlite ? `hex(${column})` : `encode(${column}, 'hex')`);
  const text = (column: string) => `coalesce(cast(${column} as text), '')`;
  const rows = (table: string, columns: string[], order: string) =>
    `(select string_agg(${columns.join(` || ':' || `)}, ',' order by ${order}) from ${table})`;
  const parts: [string, string][] = [
    ...String(tables[0]?.names)
      .split(',')
      .filter((name) => !bookkeeping.has(name))
      .map((name): [string, string] => [name, `(select count(*) from ${name})`]),
    ['grant_requests.status', rows('grant_requests', ['id', 'status'], 'id')],
    [
      'grants.state',
      rows('grants', ['id', ...['collected_at', 'jkt', 'token_hash', 'revoked_at'].map(text)], 'id'),
    ],
    ['owners.profile', rows('owners', ['id', text('profile_version'), text('profile_updated_at')], 'id')],
    [
      'profile_fields.sealed',
      rows(
        'profile_fields',
        ['owner_id', 'path', text('version'), `coalesce(${hex('value_sealed')}, '')`],
        'owner_id, path',
      ),
    ],
    ['erasure_requests.state', rows('erasure_requests', ['id', text('acknowledged_at')], 'id')],
  ];
  const object = `${sqlite ? 'json_object' : 'json_build_object'}(${parts.map(([name, value]) => `'${name}', ${value}`).join(', ')})`;
  // Scalar subqueries in a branch not taken are never executed: an unmoved mark reads no table.
  const readQuery = sqlite
    ? `select mark, case when mark is not ? then ${object} end as snapshot
       from (select cast(data_version as text) as mark from pragma_data_version())`
    : `select mark, case when mark is distinct from $1 then ${object} end as snapshot
       from (select cast(pg_snapshot_xmax(pg_current_snapshot()) as text) as mark) as now`;
  let known: State = { mark: '', snapshot: {} };
  let fresh = false;
  /** The state now: `known` again if the mark has not moved. */
  const read = async (): Promise<State> => {
    const [row] = await run('state', readQuery, [known.mark]);
    if (row?.mark !== known.mark) {
      const snapshot = typeof row?.snapshot === 'string' ? JSON.parse(row.snapshot) : row?.snapshot;
      known = { mark: String(row?.mark), snapshot: snapshot as Snapshot };
    }
    return known;
  };
  await read();
  return {
    /** The state before a request. */
    async current(): Promise<State> {
      const before = fresh ? known : await read();
      // Only a case whose check passes vouches for the state after it.
      fresh = false;
      return before;
    },
    /**
     * After a request: the state is `before`'s but for the row counts in
     * `added` (by exactly that many) and the parts in `changed` (in any way,
     * for the caller to check in the snapshot returned).
     */
    async expectSince(
      before: State,
      { added = {}, changed = [] }: { added?: Record<string, number>; changed?: string[] } = {},
    ): Promise<Snapshot> {
      const after = await read();
      const expected: Snapshot = { ...before.snapshot };
      for (const [part, n] of Object.entries(added)) expected[part] = Number(expected[part]) + n;
      for (const part of changed) expected[part] = after.snapshot[part] ?? null;
      expect(after.snapshot, 'the vault state after the request').toEqual(expected);
      fresh = true;
      return after.snapshot;
    },
    /** The test itself wrote: the next request reads the state first. */
    invalidate() {
      fresh = false;
    },
    close,
  };
}

describeEachDatabase(
  'fuzzed inputs: never a 500, never a partial write, always a coded problem',
  (database) => {
    let vault: LiveVault;
    let shop: TestVendor;
    let owner: { cookie: string; owner: { id: string } };
    let grant: string;
    let grantId: string;
    let state: Awaited<ReturnType<typeof watchState>>;
    const share = (weight: number) => Math.ceil((TOTAL * weight * PART[database().kind]) / 20);
    const send = (
      method: string,
      path: string,
      init: { body?: string; type?: string; headers?: Record<string, string> },
    ) =>
      vault.app.request(path, {
        method,
        headers: {
          cookie: owner.cookie,
          'sec-fetch-site': 'same-origin',
          ...(init.type === undefined ? {} : { 'content-type': init.type }),
          ...init.headers,
        },
        ...(init.body === undefined ? {} : { body: init.body }),
      });
    const assertion = () =>
      createClientAssertion({ key: shop.key, clientId: shop.clientId, audience: vault.url, now: Date.now() });
    /** The last client assertion a vendor input accepted: its jti is used, so sent again it is a replay. */
    let lastAccepted: string | undefined;
    /** A client assertion of that kind (see `validAssertion`) for a request to `path`. */
    const clientAssertion = (kind: string, path: string) => {
      if (kind === 'replayed') return lastAccepted ?? 'not.yet.accepted';
      const audience = {
        issuer: vault.url,
        endpoint: `${vault.url}${path}`,
        elsewhere: `${vault.url}/v1/data`,
      };
      return createClientAssertion({
        key: shop.key,
        clientId: shop.clientId,
        audience: audience[kind as keyof typeof audience] ?? vault.url,
        now: kind === 'expired' ? Date.now() - 5 * 60_000 : Date.now(),
      });
    };
    const deps = () => ({
      db: vault.vault.db,
      keys: vault.vault.keys,
      keyring: vault.vault.keyring,
      clock: vault.clock,
      config: vault.config,
    });
    const proof = (htm: string, path: string, accessToken?: string) =>
      createDpopProof({
        key: shop.key,
        htm,
        htu: `${vault.url}${path}`,
        now: Date.now(),
        ...(accessToken ? { accessToken } : {}),
      });
    /** A pending request made straight through the service (no vendor round trip). */
    const pendingRequest = async (clientId = shop.clientId) => {
      state.invalidate();
      return (
        await createGrantRequest(
          deps(),
          { clientId, metadata: { redirect_uris: [] } as never },
          {
            fields: ['email'],
            optionalFields: ['name', 'phone_number'],
            purpose: 'delivery',
            durationSeconds: 86_400,
          },
        )
      ).id;
    };

    /**
     * A pending erasure request, as the owner makes one: a new grant to the
     * vendor (a relationship lives while its newest grant is newer than its
     * last goodbye), then the goodbye. Revokes every grant to that vendor.
     */
    let lastGoodbye = 0;
    const erasureRequest = async (clientId: string) => {
      // A grant made in the goodbye's millisecond would not be newer than it.
      if (vault.clock.now() <= lastGoodbye) vault.clock.advance(lastGoodbye + 1 - vault.clock.now());
      await approveGrantRequest(deps(), owner.owner.id, await pendingRequest(clientId), {
        optionalFields: [],
        contact: true,
      });
      const { erasure } = await endRelationship(deps(), owner.owner.id, clientId);
      lastGoodbye = erasure.requestedAt;
      return erasure.id;
    };

    beforeAll(async () => {
      vault = await startLiveVault(database(), {
        env: {
          // Debug logs of ten thousand requests cost more than the requests.
          KITH_LOG_LEVEL: 'warn',
          // Thousands of vendor requests a minute from one address: at the default 600 the limiter
          // would answer most of them before they are read.
          KITH_VENDOR_RATE_LIMIT_PER_MINUTE: '1000000',
        },
      });
      shop = await startTestVendor({ vault: vault.url });
      owner = await vault.signedInOwner();
      await requestJson(vault.app, '/v1/me/profile', {
        method: 'PATCH',
        cookie: owner.cookie,
        json: { email: 'fuzz@example.com', name: 'Fuzzy' },
      });
      const request = await shop.client.requestGrant({
        fields: ['email', 'name'],
        purpose: 'delivery',
        duration: '1d',
      });
      await requestJson(vault.app, `/v1/me/grant-requests/${request.id}/approve`, {
        method: 'POST',
        cookie: owner.cookie,
        json: { optionalFields: [], contact: true },
      });
      ({ grant, grantId } = await shop.client.collectGrant({ requestId: request.id }));
      state = await watchState(database());
    });
    afterAll(async () => {
      await state?.close();
      await shop?.stop();
      await vault?.stop();
    });

    it('POST /v1/grant-requests', TIMEOUT, async () => {
      const redirectUri = `${shop.origin}/kith/callback`;
      const bodies = nearMisses(
        {
          client_assertion_type: fc.constant(CLIENT_ASSERTION_TYPE),
          client_assertion: validAssertion,
          fields: fc.oneof(
            fc.subarray(fieldPaths, { minLength: 1 }),
            // Repeats are allowed and stored once.
            fc.array(fc.constantFrom(...fieldPaths), { minLength: 1, maxLength: fieldPaths.length }),
          ),
          optional_fields: fc.array(fc.constantFrom(...fieldPaths), { maxLength: 4 }),
          purpose: fc.constantFrom(...purposeIds),
          duration: fc.integer({ min: 60, max: MAX_GRANT_SECONDS }),
          contact: fc.record(
            {
              channels: fc.subarray([...contactChannels]),
              purposes: fc.subarray(['service', 'marketing']),
              max_per_week: fc.integer({ min: 0, max: 100 }),
            },
            { requiredKeys: [] },
          ),
          redirect_uri: fc.constant(redirectUri),
          state: fc.string({ maxLength: 500 }),
        },
        ['optional_fields', 'contact', 'redirect_uri', 'state'],
        {
          client_assertion_type: fc.oneof(fc.string({ maxLength: 20 }), garbageJson),
          client_assertion: wrongAssertion,
          fields: fc.oneof(
            fc.constant([]),
            fc.array(fc.oneof(fc.constantFrom(...fieldPaths), fc.string({ maxLength: 12 })), {
              minLength: 1,
              maxLength: 5,
            }),
            fc.constant([...fieldPaths, fieldPaths[0]]),
            garbageJson,
          ),
          optional_fields: fc.oneof(fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 }), garbageJson),
          purpose: fc.oneof(fc.string({ maxLength: 12 }), garbageJson),
          duration: oddNumber,
          contact: fc.oneof(
            fc.record(
              {
                channels: fc.subarray(['email', 'sms', 'fax']),
                purposes: fc.subarray(['service', 'spam']),
                max_per_week: oddNumber,
                extra: fc.constant(1),
              },
              { requiredKeys: [] },
            ),
            garbageJson,
          ),
          redirect_uri: fc.oneof(
            fc.constantFrom('http://127.0.0.1:1/kith/callback', `${redirectUri}/`, redirectUri.toUpperCase()),
            fc.webUrl(),
            fc.string({ maxLength: 20 }),
          ),
          state: fc.oneof(fc.string({ minLength: 501, maxLength: 600 }), garbageJson),
        },
        { intact: 2, spoiled: 5 },
      );
      const cases = orGarbage(bodies);
      const runs = share(3);
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(cases, contentType, async ({ body, intact }, type) => {
          const { text, payload, kinds } = await bodyText(body, async (kind) =>
            clientAssertion(kind, '/v1/grant-requests'),
          );
          const before = await state.current();
          const res = await send('POST', '/v1/grant-requests', { body: text, type });
          const answer = await expectCodedAnswer(res);
          if (intact && type !== 'text/plain') expect(res.status, JSON.stringify(answer)).toBe(201);
          if (res.status !== 201) {
            // Refused: nothing written.
            await state.expectSince(before);
            return;
          }
          // Accepted only with a fresh assertion, never a replayed, misaddressed, stale or made-up one.
          expect(['issuer', 'endpoint']).toContain(kinds.client_assertion);
          lastAccepted = payload.client_assertion as string;
          accepted += 1;
          // One new pending request, and nothing else: no other request changed.
          const { id } = answer as { id: string };
          const after = await state.expectSince(before, {
            added: { grant_requests: 1 },
            changed: ['grant_requests.status'],
          });
          expect(rowsOf(after, 'grant_requests.status')).toEqual(
            [...rowsOf(before.snapshot, 'grant_requests.status'), `${id}:pending`].sort(),
          );
          // …asking what was asked, for this vendor.
          const row = await vault.vault.db
            .selectFrom('grant_requests')
            .selectAll()
            .where('id', '=', id)
            .executeTakeFirstOrThrow();
          const fields = [...new Set(payload.fields as string[])];
          expect({
            client_id: row.client_id,
            fields: JSON.parse(row.fields),
            optional_fields: JSON.parse(row.optional_fields),
            purpose: row.purpose,
            duration_seconds: Number(row.duration_seconds),
            contact: row.contact === null ? null : JSON.parse(row.contact),
            redirect_uri: row.redirect_uri,
            state: row.state,
            owner_id: row.owner_id,
            grant_id: row.grant_id,
          }).toEqual({
            client_id: shop.clientId,
            fields,
            optional_fields: [...new Set((payload.optional_fields as string[] | undefined) ?? [])].filter(
              (f) => !fields.includes(f),
            ),
            purpose: payload.purpose,
            duration_seconds: payload.duration,
            contact: payload.contact === undefined ? null : contactTermsSchema.parse(payload.contact),
            redirect_uri: payload.redirect_uri ?? null,
            state: payload.state ?? null,
            owner_id: null,
            grant_id: null,
          });
        }),
        { numRuns: runs },
      );
      // About a quarter are accepted (a fifth by design, a few near misses by luck): the success path ran.
      expect(accepted, 'grant requests accepted').toBeGreaterThan(runs / 10);
    });

    it('POST /v1/me/grant-requests/{id}/approve', TIMEOUT, async () => {
      let pending = await pendingRequest();
      const idArb = fc.oneof(
        { weight: 6, arbitrary: fc.constant(GENUINE) },
        { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 120 }) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            'grq_',
            'KITH-AAAA-AAAA',
            'kith aaaa aaaa',
            '%00',
            '..',
            `grq_${'x'.repeat(97)}`,
          ),
        },
      );
      const body = fc.oneof(
        {
          weight: 6,
          arbitrary: fc.record(
            {
              optionalFields: fc.oneof(
                fc.subarray(['name', 'phone_number']),
                fc.subarray(fieldPaths),
                fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
                garbageJson,
              ),
              durationSeconds: fc.oneof(fc.integer({ min: 60, max: 10 ** 9 }), oddNumber),
            },
            { requiredKeys: [] },
          ),
        },
        { weight: 1, arbitrary: garbageJson },
      );
      await fc.assert(
        fc.asyncProperty(idArb, body, maybe(unknownKey), contentType, async (id, value, extra, type) => {
          const payload =
            extra && typeof value === 'object' && value !== null && !Array.isArray(value)
              ? { ...value, [extra]: 1 }
              : value;
          const target = id === GENUINE ? pending : id;
          const before = await state.current();
          const res = await send('POST', `/v1/me/grant-requests/${encodeURIComponent(target)}/approve`, {
            body: JSON.stringify(payload) ?? 'null',
            type,
          });
          await expectCodedAnswer(res);
          if (res.status !== 200) {
            // Refused: the pending request is still pending, no grant, no log entry, nothing else.
            await state.expectSince(before);
            return;
          }
          // Only the pending request can be approved, by its id, and approving it is one grant, one log entry.
          expect(target).toBe(pending);
          await state.expectSince(before, {
            added: { grants: 1, access_log: 1 },
            changed: ['grant_requests.status', 'grants.state'],
          });
          const row = await vault.vault.db
            .selectFrom('grant_requests')
            .select('status')
            .where('id', '=', pending)
            .executeTakeFirstOrThrow();
          expect(row.status).toBe('approved');
          pending = await pendingRequest();
        }),
        { numRuns: share(3) },
      );
    });

    it('GET /v1/data headers', TIMEOUT, async () => {
      const mutate = (token: string, at: number) => {
        const i = at % token.length;
        return `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;
      };
      const authorization = fc.oneof(
        { weight: 4, arbitrary: fc.constant(`DPoP ${grant}`) },
        { weight: 1, arbitrary: fc.nat().map((n) => `DPoP ${mutate(grant, n)}`) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            `Bearer ${grant}`,
            `dpop  ${grant}`,
            'DPoP ',
            'DPoP a.b.c',
            `DPoP ${grant}.x`,
          ),
        },
        { weight: 1, arbitrary: headerValue },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
      const dpop = fc.oneof(
        { weight: 4, arbitrary: fc.constant(GENUINE) },
        { weight: 1, arbitrary: fc.constantFrom('wrong-htu', 'wrong-htm', 'no-ath') },
        { weight: 1, arbitrary: headerValue },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
      const ifNoneMatch = maybe(fc.oneof(fc.constantFrom('*', '""', 'W/"x"', ','), headerValue));
      await fc.assert(
        fc.asyncProperty(authorization, dpop, ifNoneMatch, async (auth, proofKind, inm) => {
          let proofValue: string | undefined;
          if (proofKind === GENUINE) proofValue = await proof('GET', '/v1/data', grant);
          else if (proofKind === 'wrong-htu') proofValue = await proof('GET', '/v1/grants/relinquish', grant);
          else if (proofKind === 'wrong-htm') proofValue = await proof('POST', '/v1/data', grant);
          else if (proofKind === 'no-ath') proofValue = await proof('GET', '/v1/data');
          else proofValue = proofKind;
          const headers: Record<string, string> = {};
          if (auth !== undefined) headers.authorization = auth;
          if (proofValue !== undefined) headers.dpop = proofValue;
          if (inm !== undefined) headers['if-none-match'] = inm;
          const before = await state.current();
          const res = await send('GET', '/v1/data', { headers });
          const body = await expectCodedAnswer(res);
          const served = res.status === 200 || res.status === 304;
          // The genuine grant with a genuine proof is always served; anything else never is. (The
          // scheme is case-insensitive and may be followed by several spaces: RFC 9110 §11.1, §11.4.)
          const genuineAuth =
            auth !== undefined && /^dpop +/i.test(auth) && auth.replace(/^dpop +/i, '') === grant;
          expect(served).toBe(genuineAuth && proofKind === GENUINE);
          if (!served) expect(body.code).toBe('INVALID_GRANT');
          // Each read served is logged; nothing else is written.
          await state.expectSince(before, served ? { added: { access_log: 1 } } : {});
        }),
        { numRuns: share(5) },
      );
      expect(grantId).toMatch(/^grt_/);
    });

    it('PATCH /v1/me/profile', TIMEOUT, async () => {
      const valuesFor = (path: string) => {
        const cases = fieldCases[path as keyof typeof fieldCases];
        return fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...cases.good, null).map((v) => ({ v, ok: true })) },
          ...(cases.normalises?.length
            ? [
                {
                  weight: 1,
                  arbitrary: fc
                    .constantFrom(...cases.normalises.map(([input]) => input))
                    .map((v) => ({ v, ok: true })),
                },
              ]
            : []),
          ...(cases.bad.length
            ? [{ weight: 3, arbitrary: fc.constantFrom(...cases.bad).map((v) => ({ v, ok: false })) }]
            : []),
          { weight: 1, arbitrary: garbageJson.map((v) => ({ v, ok: undefined as boolean | undefined })) },
        );
      };
      const patch = fc
        .uniqueArray(fc.constantFrom(...fieldPaths), { minLength: 1, maxLength: 4 })
        .chain((paths) => fc.tuple(...paths.map((p) => valuesFor(p).map((value) => [p, value] as const))));
      const cases = fc.oneof(
        {
          weight: 6,
          arbitrary: fc.tuple(
            patch.map((entries) => ({ [PATCH]: entries })),
            maybe(unknownKey),
          ),
        },
        { weight: 1, arbitrary: fc.tuple(garbageJson, fc.constant(undefined)) },
        { weight: 1, arbitrary: fc.tuple(rawBody, fc.constant(undefined)) },
      );
      await fc.assert(
        fc.asyncProperty(cases, async ([value, extra]) => {
          let body: string;
          let mustPass = false;
          if (typeof value === 'object' && value !== null && PATCH in value) {
            const entries = (
              value as { [PATCH]: (readonly [string, { v: unknown; ok: boolean | undefined }])[] }
            )[PATCH];
            const json: Record<string, unknown> = Object.fromEntries(entries.map(([p, { v }]) => [p, v]));
            if (extra) json[extra] = 'x';
            mustPass = !extra && entries.every(([, { ok }]) => ok === true);
            body = JSON.stringify(json);
          } else {
            body = typeof value === 'string' ? value : JSON.stringify(value);
          }
          const before = await state.current();
          const res = await send('PATCH', '/v1/me/profile', { body, type: 'application/json' });
          await expectCodedAnswer(res);
          if (mustPass) expect(res.status).toBe(200);
          // All or nothing: a refused patch leaves every field, the profile version and the outbox as they
          // were; an accepted one writes nothing else.
          await state.expectSince(
            before,
            res.status === 200
              ? {
                  changed: [
                    'profile_fields',
                    'profile_fields.sealed',
                    'owners.profile',
                    'events',
                    'event_sequences',
                    'deliveries',
                  ],
                }
              : {},
          );
        }),
        { numRuns: share(5) },
      );
    });

    it('POST /v1/grants/collect', TIMEOUT, async () => {
      const pending = await pendingRequest();
      const nearMiss = fc.record(
        {
          client_assertion_type: fc.oneof(fc.constant(CLIENT_ASSERTION_TYPE), fc.string({ maxLength: 20 })),
          client_assertion: fc.oneof(fc.constant(GENUINE), fc.string({ maxLength: 50 })),
          request_id: fc.oneof(fc.constant(pending), fc.string({ maxLength: 30 }), garbageJson),
          code: fc.oneof(fc.string({ maxLength: 43 }), garbageJson),
        },
        { requiredKeys: [] },
      );
      const cases = fc.oneof(
        { weight: 5, arbitrary: nearMiss },
        { weight: 1, arbitrary: garbageJson },
        { weight: 1, arbitrary: rawBody },
      );
      await fc.assert(
        fc.asyncProperty(cases, fc.boolean(), async (value, withProof) => {
          let payload: unknown = value;
          if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
            const copy = { ...(value as Record<string, unknown>) };
            if (copy.client_assertion === GENUINE) copy.client_assertion = await assertion();
            payload = copy;
          }
          const before = await state.current();
          const res = await send('POST', '/v1/grants/collect', {
            body: typeof value === 'string' ? value : JSON.stringify(payload),
            type: 'application/json',
            headers: withProof ? { dpop: await proof('POST', '/v1/grants/collect') } : {},
          });
          await expectCodedAnswer(res);
          // Nothing here may collect: the only request it can name is still pending.
          expect(res.status).toBeGreaterThanOrEqual(400);
          await state.expectSince(before);
        }),
        { numRuns: share(2) },
      );
    });

    // The vendor's answer to an `erasure.requested` webhook (the SDK's acknowledgeErasure). Last: the
    // goodbyes it needs revoke every grant to the shop, the one the redeems above use among them.
    it('POST /v1/erasure/acknowledge', TIMEOUT, async () => {
      const elsewhereClientId = 'http://127.0.0.1:1/.well-known/kith-client.json';
      // Three real erasure requests: the shop's pending one, the shop's acknowledged one, another vendor's.
      let acknowledged = await erasureRequest(shop.clientId);
      let acknowledgedAt = (await acknowledgeErasure(deps(), shop.clientId, acknowledged)).acknowledged_at;
      let pending = await erasureRequest(shop.clientId);
      const foreign = await erasureRequest(elsewhereClientId);
      const bodies = nearMisses(
        {
          client_assertion_type: fc.constant(CLIENT_ASSERTION_TYPE),
          client_assertion: validAssertion,
          erasure_id: fc.oneof(
            { weight: 2, arbitrary: fc.constant(later('pending')) },
            { weight: 1, arbitrary: fc.constant(later('acknowledged')) },
            { weight: 1, arbitrary: fc.constant(later('foreign')) },
          ),
        },
        [],
        {
          client_assertion_type: fc.oneof(fc.string({ maxLength: 20 }), garbageJson),
          client_assertion: wrongAssertion,
          erasure_id: fc.oneof(
            fc.string({ maxLength: 30 }),
            fc.constantFrom('', 'era_', '%00', '..', ' era_', `era_${'x'.repeat(97)}`),
            // The pending id, off by a little.
            fc.constantFrom('upper', 'space', 'long').map(later),
            garbageJson,
          ),
        },
        { intact: 3, spoiled: 5 },
      );
      const cases = orGarbage(bodies);
      const runs = share(2);
      let acknowledgedNow = 0;
      const make = async (kind: string) => {
        const ids: Record<string, string> = {
          pending,
          acknowledged,
          foreign,
          upper: pending.toUpperCase(),
          space: `${pending} `,
          long: pending.padEnd(101, 'x'),
        };
        return ids[kind] ?? clientAssertion(kind, '/v1/erasure/acknowledge');
      };
      await fc.assert(
        fc.asyncProperty(cases, contentType, async ({ body, intact }, type) => {
          const { text, payload, kinds } = await bodyText(body, make);
          const before = await state.current();
          const res = await send('POST', '/v1/erasure/acknowledge', { body: text, type });
          const answer = await expectCodedAnswer(res);
          if (intact && type !== 'text/plain') {
            // Another vendor's erasure is as unknown to the shop as a made-up one.
            if (kinds.erasure_id === 'foreign') expect(answer.code).toBe('ERASURE_NOT_FOUND');
            else expect(res.status, JSON.stringify(answer)).toBe(200);
          }
          if (res.status !== 200) {
            // Refused: nothing written.
            await state.expectSince(before);
            return;
          }
          const ack = answer as { erasure_id: string; acknowledged_at: string; late: boolean };
          const wasPending = payload.erasure_id === pending;
          try {
            // Accepted only with a fresh assertion, and only for an erasure asked of the shop.
            expect(['issuer', 'endpoint']).toContain(kinds.client_assertion);
            expect(['pending', 'acknowledged']).toContain(kinds.erasure_id);
            lastAccepted = payload.client_assertion as string;
            expect(ack.erasure_id).toBe(payload.erasure_id);
            expect(ack.late).toBe(false);
            if (!wasPending) {
              // Again: the first acknowledgement's answer, and nothing written.
              expect(ack.acknowledged_at).toBe(acknowledgedAt);
              await state.expectSince(before);
              return;
            }
            // The pending erasure now acknowledged, at the time answered, and one log entry; nothing else.
            const after = await state.expectSince(before, {
              added: { access_log: 1 },
              changed: ['erasure_requests.state'],
            });
            expect(rowsOf(after, 'erasure_requests.state')).toEqual(
              rowsOf(before.snapshot, 'erasure_requests.state')
                .map((row) => (row === `${pending}:` ? `${pending}:${Date.parse(ack.acknowledged_at)}` : row))
                .sort(),
            );
            const entry = await vault.vault.db
              .selectFrom('access_log')
              .select(['action', 'client_id', 'detail'])
              .where('owner_id', '=', owner.owner.id)
              .orderBy('seq', 'desc')
              .executeTakeFirstOrThrow();
            expect({ ...entry, detail: JSON.parse(entry.detail) }).toEqual({
              action: 'erasure.acknowledged',
              client_id: shop.clientId,
              detail: { erasureId: pending, late: false },
            });
            acknowledgedNow += 1;
          } finally {
            // Acknowledged, the checks passing or not: the next case (a shrinking run too) needs a pending one.
            if (wasPending) {
              acknowledged = pending;
              acknowledgedAt = ack.acknowledged_at;
              pending = await erasureRequest(shop.clientId);
            }
          }
        }),
        { numRuns: runs },
      );
      // About one in eight acknowledges a pending erasure: the write path ran.
      expect(acknowledgedNow, 'pending erasures acknowledged').toBeGreaterThan(runs / 40);
    });
  },
);
