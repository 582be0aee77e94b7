import { vendorMetadataSchema } from '@kith/schemas';
import { describe, expect, it } from 'vitest';
import { createKithClient } from './create-kith-client.ts';
import { generateKeyPair } from './key-pair.ts';
import { buildMetadataDocument } from './metadata-document.ts';

const clientId = 'https://shop.example/.well-known/kith-client.json';
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

describe('metadataDocument', () => {
  for (const alg of ['EdDSA', 'ES256'] as const) {
    it(`publishes the ${alg} public key and never a private member`, async () => {
      const { privateJwk, publicJwk } = await generateKeyPair({ alg });
      const kith = createKithClient({ clientId, privateJwk });
      const document = await kith.metadataDocument({
        clientName: 'Corner Shop',
        redirectUris: ['https://shop.example/kith/callback'],
        webhookUri: 'https://shop.example/kith/events',
        logoUri: 'https://shop.example/logo.png',
        clientUri: 'https://shop.example/',
        policyUri: 'https://shop.example/privacy',
      });
      expect(vendorMetadataSchema.parse(document)).toEqual(document);
      expect(document).toEqual({
        client_id: clientId,
        client_name: 'Corner Shop',
        jwks: { keys: [publicJwk] },
        redirect_uris: ['https://shop.example/kith/callback'],
        webhook_uri: 'https://shop.example/kith/events',
        logo_uri: 'https://shop.example/logo.png',
        client_uri: 'https://shop.example/',
        policy_uri: 'https://shop.example/privacy',
      });
      const json = JSON.stringify(document);
      for (const member of privateMembers) expect(json).not.toContain(`"${member}":`);
      expect(json).not.toContain(privateJwk.d);
    });
  }

  it('strips private members from additional keys too', async () => {
    const current = await generateKeyPair();
    const next = await generateKeyPair({ alg: 'ES256' });
    const document = buildMetadataDocument(clientId, current.privateJwk, {
      clientName: 'Corner Shop',
      redirectUris: [],
      additionalPublicJwks: [{ ...next.privateJwk, extra: 'x' } as never],
    });
    expect(document.jwks.keys).toEqual([current.publicJwk, next.publicJwk]);
    expect(JSON.stringify(document)).not.toContain('"d":');
  });

  it('leaves out what the vendor did not give', async () => {
    const { privateJwk } = await generateKeyPair();
    const document = await createKithClient({ clientId, privateJwk }).metadataDocument({
      clientName: 'Corner Shop',
      redirectUris: [],
    });
    expect(Object.keys(document).sort()).toEqual(['client_id', 'client_name', 'jwks', 'redirect_uris']);
  });
});
