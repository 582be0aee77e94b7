// A fake of a Kith vault's HTTP surface for the SDK's unit tests: a plain
// `(request) => Response` handler, wired in as the client's `fetch`. It checks
// what a real vault checks about the SDK's requests (client assertions, DPoP
// proofs, ath) and answers in the wire shapes of @kith/schemas. The real
// server's behaviour is tested end to end in test/.
import {
  CLIENT_ASSERTION_TYPE,
  type Discovery,
  type ErrorCode,
  errorCodes,
  GRANT_TOKEN_TYPE,
  type GrantCollected,
  type GrantRequestCreated,
  type Problem,
  problemType,
} from '@kith/schemas';
import {
  calculateJwkThumbprint,
  decodeJwt,
  EmbeddedJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import { accessTokenHash } from '../src/dpop.ts';
import { clientError } from '../src/errors.ts';

export const VAULT = 'https://vault.example';

/** A request as the fake vault saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: Headers;
  body: Record<string, unknown> | undefined;
}

export interface FakeVaultOptions {
  /** The vendor's public key, to check client assertions with. */
  vendorPublicJwk: JWK;
  clientId: string;
  issuer?: string;
  /** Overrides of the discovery document. */
  discovery?: Partial<Discovery>;
}

export function problem(
  code: ErrorCode,
  init: { detail?: string; headers?: Record<string, string>; extra?: Partial<Problem> } = {},
): Response {
  const { status, title } = errorCodes[code];
  const body: Problem = { type: problemType(code), title, status, code, ...init.extra };
  if (init.detail !== undefined) body.detail = init.detail;
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', ...init.headers },
  });
}

export async function createFakeVault(options: FakeVaultOptions) {
  const issuer = options.issuer ?? VAULT;
  const { privateKey: vaultKey, publicKey: vaultPublicKey } = await generateKeyPair('EdDSA');
  const vendorKey = await importJWK(options.vendorPublicJwk, options.vendorPublicJwk.alg);
  const seen: SeenRequest[] = [];
  /** Answers to give first, per path, before the normal behaviour. */
  const queued = new Map<string, (Response | Error)[]>();
  /** What polling answers, in order, before the grant is ready; then the grant. */
  const pollAnswers: ErrorCode[] = [];
  const revoked = new Set<string>();
  const usedJtis = new Set<string>();
  let requestState: string | undefined;
  let version = 1;
  const profile: Record<string, unknown> = {
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    address: { street_address: '1 St James Sq', locality: 'London', country: 'GB' },
  };

  const discovery: Discovery = {
    terms_supported: [],
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    grant_request_endpoint: `${issuer}/v1/grant-requests`,
    grant_collect_endpoint: `${issuer}/v1/grants/collect`,
    data_endpoint: `${issuer}/v1/data`,
    relinquish_endpoint: `${issuer}/v1/grants/relinquish`,
    approve_endpoint: `${issuer}/approve`,
    fields_supported: ['name', 'email', 'address', 'phone_number'],
    purposes_supported: [{ id: 'delivery', dpv: 'dpv:DeliveryOfGoods', label: 'Deliver your order' }],
    grant_signing_alg_values_supported: ['EdDSA'],
    dpop_signing_alg_values_supported: ['EdDSA', 'ES256'],
    token_endpoint_auth_signing_alg_values_supported: ['EdDSA', 'ES256'],
    ...options.discovery,
  };

  async function checkClientAssertion(body: Record<string, unknown>): Promise<Response | undefined> {
    if (body.client_assertion_type !== CLIENT_ASSERTION_TYPE || typeof body.client_assertion !== 'string') {
      return problem('INVALID_CLIENT');
    }
    try {
      const { payload } = await jwtVerify(body.client_assertion, vendorKey, {
        issuer: options.clientId,
        subject: options.clientId,
        audience: issuer,
        typ: 'JWT',
        requiredClaims: ['jti', 'iat', 'exp'],
        currentDate: new Date((payloadIat(body.client_assertion) ?? 0) * 1000),
      });
      if (usedJtis.has(String(payload.jti))) return problem('INVALID_CLIENT', { detail: 'jti replayed' });
      usedJtis.add(String(payload.jti));
    } catch (error) {
      return problem('INVALID_CLIENT', { detail: String(error) });
    }
    return undefined;
  }

  async function checkDpop(request: Request, accessToken?: string): Promise<{ jkt: string } | Response> {
    const proof = request.headers.get('dpop');
    if (!proof) return problem('INVALID_DPOP_PROOF', { detail: 'no proof' });
    try {
      const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        currentDate: new Date((payloadIat(proof) ?? 0) * 1000),
      });
      const url = new URL(request.url);
      if (payload.htm !== request.method || payload.htu !== `${url.origin}${url.pathname}`) {
        return problem('INVALID_DPOP_PROOF', { detail: 'htm/htu' });
      }
      if (accessToken !== undefined && payload.ath !== (await accessTokenHash(accessToken))) {
        return problem('INVALID_DPOP_PROOF', { detail: 'ath' });
      }
      if (usedJtis.has(String(payload.jti))) return problem('INVALID_DPOP_PROOF', { detail: 'jti replayed' });
      usedJtis.add(String(payload.jti));
      return { jkt: await calculateJwkThumbprint(protectedHeader.jwk as JWK) };
    } catch (error) {
      return problem('INVALID_DPOP_PROOF', { detail: String(error) });
    }
  }

  async function issueGrant(jkt: string): Promise<GrantCollected> {
    const grantId = `grant-${revoked.size + seen.length}`;
    const grant = await new SignJWT({
      client_id: options.clientId,
      fields: ['name', 'email', 'address'],
      purpose: 'delivery',
      cnf: { jkt },
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: GRANT_TOKEN_TYPE, kid: 'vault-key-1' })
      .setIssuer(issuer)
      .setSubject('pairwise-sub-1')
      .setAudience(issuer)
      .setJti(grantId)
      .setIssuedAt()
      .setExpirationTime('30d')
      .sign(vaultKey);
    return {
      grant,
      grant_id: grantId,
      sub: 'pairwise-sub-1',
      fields: ['name', 'email', 'address'],
      purpose: 'delivery',
      expires_at: '2030-01-01T00:00:00.000Z',
      receipt: 'receipt.jws.here',
      ...(requestState === undefined ? {} : { state: requestState }),
    };
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    let body: Record<string, unknown> | undefined;
    if (request.method === 'POST' && request.headers.get('content-type')?.includes('json')) {
      body = (await request.clone().json()) as Record<string, unknown>;
    }
    seen.push({ method: request.method, url: request.url, headers: request.headers, body });

    const next = queued.get(url.pathname)?.shift();
    if (next instanceof Error) throw next;
    if (next) return next;

    if (url.origin !== new URL(issuer).origin) return problem('NOT_FOUND');
    switch (`${request.method} ${url.pathname}`) {
      case 'GET /.well-known/kith':
        return Response.json(discovery);
      case 'POST /v1/grant-requests': {
        const refused = await checkClientAssertion(body ?? {});
        if (refused) return refused;
        requestState = typeof body?.state === 'string' ? body.state : undefined;
        const created: GrantRequestCreated = {
          id: 'req-1',
          approve_url: `${issuer}/approve/req-1`,
          user_code: 'KITH-7Q2F',
          expires_at: '2030-01-01T00:10:00.000Z',
          interval: 5,
        };
        return Response.json(created, { status: 201 });
      }
      case 'POST /v1/grants/collect': {
        const refused = await checkClientAssertion(body ?? {});
        if (refused) return refused;
        const dpop = await checkDpop(request);
        if (dpop instanceof Response) return dpop;
        if (body?.request_id !== 'req-1' && body?.code !== 'code-1')
          return problem('GRANT_REQUEST_NOT_FOUND');
        const pending = pollAnswers.shift();
        if (pending) return problem(pending);
        return Response.json(await issueGrant(dpop.jkt));
      }
      case 'GET /v1/data':
      case 'POST /v1/grants/relinquish': {
        const authorization = request.headers.get('authorization') ?? '';
        if (!authorization.startsWith('DPoP ')) return problem('INVALID_GRANT');
        const grant = authorization.slice('DPoP '.length);
        const dpop = await checkDpop(request, grant);
        if (dpop instanceof Response) return dpop;
        let claims: Record<string, unknown>;
        try {
          claims = (await jwtVerify(grant, vaultPublicKey, { issuer, typ: GRANT_TOKEN_TYPE })).payload;
        } catch {
          return problem('INVALID_GRANT');
        }
        if ((claims.cnf as { jkt: string }).jkt !== dpop.jkt) return problem('INVALID_DPOP_PROOF');
        if (revoked.has(String(claims.jti))) return problem('GRANT_REVOKED');
        if (request.method === 'POST') {
          revoked.add(String(claims.jti));
          return new Response(null, { status: 204 });
        }
        const etag = `"v${version}"`;
        if (request.headers.get('if-none-match') === etag) {
          return new Response(null, { status: 304, headers: { etag } });
        }
        return Response.json(
          { sub: 'pairwise-sub-1', grant_id: claims.jti, version, fields: profile },
          { headers: { etag, 'cache-control': 'no-store' } },
        );
      }
      default:
        return problem('NOT_FOUND');
    }
  }

  return {
    issuer,
    seen,
    revoked,
    pollAnswers,
    profile,
    /** Answers `path` with these, in order, before behaving normally. */
    queue(path: string, ...answers: (Response | Error)[]) {
      queued.set(path, [...(queued.get(path) ?? []), ...answers]);
    },
    /** Changes a field, as the owner would. */
    update(field: string, value: unknown) {
      profile[field] = value;
      version += 1;
    },
    /** Requests to one path. */
    requestsTo(path: string) {
      return seen.filter((request) => new URL(request.url).pathname === path);
    },
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) =>
      handle(new Request(input, init))) as typeof globalThis.fetch,
  };
}

// The fake vault judges a JWT at its own iat, so tests may freeze the client's clock anywhere.
function payloadIat(jwt: string): number | undefined {
  return decodeJwt(jwt).iat;
}

/** A fake clock: `sleep` returns at once, moves time on, and is recorded. */
export function createFakeClock(start = Date.UTC(2030, 0, 1)) {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    advance(ms: number) {
      now += ms;
    },
    now: () => now,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw clientError('ABORTED', { cause: signal.reason });
      sleeps.push(ms);
      now += ms;
    },
  };
}
