// Type-checked by test/packages.test.ts with tsc against the packed packages, for moduleResolution node16
// and bundler: a vendor's code must compile with strict settings and without skipLibCheck.
import {
  type CollectedGrant,
  createKithClient,
  generateKeyPair,
  isKithClientError,
  type KithClient,
  type RequestGrantOptions,
  verifyWebhook,
} from '@kith/client';
import { type FieldPath, profileFields, type WebhookEvent } from '@kith/schemas';

const { privateJwk } = await generateKeyPair();
const kith: KithClient = createKithClient({ clientId: 'https://shop.example/client.json', privateJwk });

const request: RequestGrantOptions = {
  vault: 'https://vault.example',
  fields: ['name', 'email', 'address'],
  purpose: 'delivery',
  duration: '30d',
};
export const paths: FieldPath[] = profileFields.map((field) => field.path);

export async function onWebhook(headers: Record<string, string>, body: string): Promise<string> {
  try {
    const event: WebhookEvent = await verifyWebhook({ headers, body }, { vault: 'https://vault.example' });
    return `${event.iss} #${event.sequence} ${event.type}`;
  } catch (error) {
    if (isKithClientError(error, 'WEBHOOK_REPLAYED')) return 'seen';
    throw error;
  }
}

export async function ask(): Promise<CollectedGrant> {
  const created = await kith.requestGrant(request);
  return kith.waitForGrant({ vault: created.vault, requestId: created.id, interval: created.interval });
}
