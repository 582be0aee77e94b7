import type { OpenAPIHono } from '@hono/zod-openapi';
import {
  WEBHOOK_ATTEMPT_HEADER,
  WEBHOOK_KEY_ID_HEADER,
  type WebhookEventType,
  webhookEventTypes,
} from '@kith/schemas';
import { eventTypeName, webhookEnvelopeSchema } from './openapi-components.ts';

const summaries: Record<WebhookEventType, string> = {
  'profile.updated': 'Fields you hold changed: redeem the grants named to read them',
  'grant.created': 'The owner shared fields you did not ask for: collect the grant by its id',
  'grant.revoked': 'A grant is void: forget what it gave you unless another grant covers it',
  'grant.narrowed':
    'The owner stopped sharing fields you never read: redeem now answers only the fields named',
  'relationship.ended': 'The owner ended every grant to you at once',
  'erasure.requested': 'Erase what you hold about this person by the deadline, then acknowledge',
  'contact.terms_changed': 'The owner changed how you may contact them',
  'terms.changed': 'The owner now proffers you another standard agreement; new requests are judged by it',
};

// The Standard Webhooks headers, once in `components.parameters`: every event carries them all.
const headers = {
  WebhookId: {
    name: 'webhook-id',
    description: 'The event id, as `id` in the body: the same on every attempt, so drop duplicates by it.',
  },
  WebhookTimestamp: {
    name: 'webhook-timestamp',
    description: 'When this attempt was signed, in seconds since the epoch: refuse one far from your clock.',
  },
  WebhookSignature: {
    name: 'webhook-signature',
    description:
      'Space-separated signatures of `{webhook-id}.{webhook-timestamp}.{body}`: `v1a,<Ed25519>` by the vault key ' +
      'named in `webhook-key-id` (in its `/.well-known/jwks.json`), and `v1,<HMAC-SHA256>` with your ' +
      '`webhook_secret` once you collected a grant.',
  },
  WebhookKeyId: {
    name: WEBHOOK_KEY_ID_HEADER,
    description: 'The `kid` of the vault key that made the `v1a` signature.',
  },
  WebhookAttempt: {
    name: WEBHOOK_ATTEMPT_HEADER,
    description: 'Which attempt this is for this `webhook-id`: 1, 2, …',
  },
} as const;

/**
 * Registers every event type a vault sends as an OpenAPI 3.1 webhook, named
 * by its type, with its body and the Standard Webhooks headers, and what the
 * vault does with each answer.
 */
export function registerWebhooks(registry: OpenAPIHono['openAPIRegistry']) {
  for (const [id, header] of Object.entries(headers)) {
    registry.registerComponent('parameters', id, {
      ...header,
      in: 'header',
      required: true,
      schema: { type: 'string' },
    });
  }
  const parameters = Object.keys(headers).map((id) => ({ $ref: `#/components/parameters/${id}` }));
  for (const type of webhookEventTypes) {
    registry.registerWebhook({
      method: 'post',
      path: type,
      operationId: `on${eventTypeName(type)}`,
      tags: ['Webhooks'],
      summary: summaries[type],
      description:
        `Sent to your metadata's \`webhook_uri\` at least once, from a transactional outbox. Verify a ` +
        'signature before trusting the body.',
      // Nothing an OpenAPI scheme can say: the vault signs, your endpoint verifies.
      security: [],
      parameters,
      request: {
        body: { required: true, content: { 'application/json': { schema: webhookEnvelopeSchema(type) } } },
      },
      responses: {
        '2XX': { description: 'Received: the event is delivered and not sent again.' },
        410: { description: 'Gone: the vault stops sending to this endpoint.' },
        default: {
          description:
            'Anything else, or no answer in time, is a failed attempt: retried with exponential backoff and ' +
            'jitter, for up to 72 hours by default.',
        },
      },
    });
  }
}
