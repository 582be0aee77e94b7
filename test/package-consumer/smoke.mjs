// Run by test/packages.test.ts with plain node, Bun and Deno inside a project that installed the packed
// @kith/client and @kith/schemas tarballs with npm: exercises them offline and prints one JSON line.
import {
  createDpopProof,
  createKithClient,
  generateKeyPair,
  isKithClientError,
  loadSigningKey,
  verifyWebhook,
} from '@kith/client';
import { profileFields, webhookEventSchema } from '@kith/schemas';

const { privateJwk, publicJwk } = await generateKeyPair();
const kith = createKithClient({ clientId: 'https://shop.example/.well-known/kith-client.json', privateJwk });
const metadata = await kith.metadataDocument({
  clientName: 'Corner Shop',
  redirectUris: ['https://shop.example/kith/callback'],
});

// A DPoP proof (RFC 9449 §4.2) signed with the new key: its header carries the public key.
const key = await loadSigningKey(privateJwk);
const proof = await createDpopProof({
  key,
  htm: 'GET',
  htu: 'https://vault.example/v1/data?x=1',
  now: Date.now(),
});
const proofHeader = JSON.parse(atob(proof.split('.')[0].replace(/-/g, '+').replace(/_/g, '/')));

// A Standard Webhooks `v1` signature made here with WebCrypto, verified by the SDK from a Fetch Request
// and from a raw body with plain headers (as Express or Fastify hand them over).
const secretBytes = crypto.getRandomValues(new Uint8Array(32));
const secret = `whsec_${btoa(String.fromCharCode(...secretBytes))}`;
const id = 'evt_smoke';
const timestamp = Math.floor(Date.now() / 1000);
const body = JSON.stringify({
  type: 'grant.revoked',
  id,
  iss: 'https://vault.example',
  sequence: 1,
  timestamp: new Date().toISOString(),
  data: { sub: 'sub_1', grant_id: 'grt_1', revoked_by: 'owner' },
});
const hmacKey = await crypto.subtle.importKey('raw', secretBytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
  'sign',
]);
const mac = await crypto.subtle.sign('HMAC', hmacKey, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
const headers = {
  'webhook-id': id,
  'webhook-timestamp': String(timestamp),
  'webhook-signature': `v1,${btoa(String.fromCharCode(...new Uint8Array(mac)))}`,
};
const fromRequest = await verifyWebhook(
  new Request('https://shop.example/kith/webhooks', { method: 'POST', headers, body }),
  { secret },
);
const fromRawBody = await verifyWebhook({ headers, body: new TextEncoder().encode(body) }, { secret });
let tampered = 'accepted';
try {
  await verifyWebhook({ headers, body: body.replace('grt_1', 'grt_2') }, { secret });
} catch (error) {
  tampered = isKithClientError(error, 'WEBHOOK_SIGNATURE_INVALID') ? error.code : String(error);
}

console.log(
  JSON.stringify({
    clientId: kith.clientId,
    metadataKeys: metadata.jwks.keys.length,
    publicKid: publicJwk.kid,
    dpopTyp: proofHeader.typ,
    dpopKid: proofHeader.jwk.kid ?? null,
    dpopHasPrivate: 'd' in proofHeader.jwk,
    webhook: [fromRequest.type, fromRequest.iss, fromRawBody.data.grant_id],
    tampered,
    schemaParses: webhookEventSchema.safeParse(JSON.parse(body)).success,
    fields: profileFields.length,
  }),
);
