// Corner Shop: a small vendor app showing @kith/client end to end — metadata,
// requesting a grant for delivery, the redirect and the "call me" code flows,
// one grant per customer, redeeming with ETags, and a webhook endpoint that
// handles every event a vault sends (fresh data, revocations, grants shared
// unasked, goodbyes with erasure, contact terms).
import {
  type Clock,
  createKithClient,
  isKithClientError,
  type KithClient,
  type RetryOptions,
  verifyWebhook,
  type WebhookEvent,
} from '@kith/client';
import { type Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { JWK } from 'jose';
import { checkoutPage } from './pages.ts';
import { type Customer, type CustomerStore, createCustomerStore } from './store.ts';

/** Options of {@link createShopApp}. */
export interface ShopOptions {
  /** Where the shop is reachable, e.g. `http://127.0.0.1:4000`; a function if known only once listening. */
  publicUrl: string | (() => string);
  /** The vault customers use, e.g. `http://localhost:3000`. */
  vaultUrl: string;
  /** The shop's private signing key (see `generateKeyPair`). */
  privateJwk: JWK;
  /** The `fetch` the SDK uses (tests may route it in-process). */
  fetch?: typeof globalThis.fetch;
  clock?: Clock;
  retry?: RetryOptions;
}

/** A running shop's parts, for tests to look into. */
export interface Shop {
  app: Hono;
  kith: KithClient;
  clientId: string;
  customers: CustomerStore;
  /** Every event the webhook endpoint handled, in order. */
  events: WebhookEvent[];
  /** Stops every background wait. */
  close(): void;
}

const CUSTOMER_COOKIE = 'corner_shop_customer';
const FIELDS = ['name', 'email', 'address'] as const;
const OPTIONAL_FIELDS = ['phone_number'] as const;

function randomToken(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
}

/**
 * Builds the Corner Shop Hono app. Its client id is
 * `<publicUrl>/.well-known/kith-client.json`.
 *
 * @example
 * const shop = createShopApp({ publicUrl: 'http://127.0.0.1:4000', vaultUrl: 'http://localhost:3000', privateJwk });
 * serve({ fetch: shop.app.fetch, port: 4000, hostname: '127.0.0.1' });
 */
export function createShopApp(options: ShopOptions): Shop {
  const publicUrl = () =>
    (typeof options.publicUrl === 'function' ? options.publicUrl() : options.publicUrl).replace(/\/+$/, '');
  const clientIdPath = '/.well-known/kith-client.json';
  let kith: KithClient | undefined;
  // The client id embeds the public URL, which a test may only know once the server listens.
  const client = (): KithClient => {
    kith ??= createKithClient({
      clientId: `${publicUrl()}${clientIdPath}`,
      privateJwk: options.privateJwk,
      vault: options.vaultUrl,
      fetch: options.fetch,
      clock: options.clock,
      retry: options.retry,
    });
    return kith;
  };
  const customers = createCustomerStore();
  const events: WebhookEvent[] = [];
  // Webhook ids already handled: at-least-once delivery may repeat one. A real shop keeps these in its database.
  const handled = new Set<string>();
  const app = new Hono();

  function currentCustomer(c: Context): Customer {
    let id = getCookie(c, CUSTOMER_COOKIE);
    if (!id || !customers.get(id)) {
      id = id ?? randomToken();
      setCookie(c, CUSTOMER_COOKIE, id, { httpOnly: true, sameSite: 'Lax', path: '/' });
    }
    return customers.getOrCreate(id);
  }

  async function refreshData(customer: Customer): Promise<void> {
    if (!customer.grant) return;
    try {
      const result = await client().redeem(customer.grant, {
        ifNoneMatch: customer.data ? customer.etag : undefined,
      });
      if (result.notModified) return;
      customer.data = result.fields;
      customer.etag = result.etag;
      customer.sub = result.sub;
    } catch (error) {
      // The owner ended it (or it ran out): stop using the data and let them grant again.
      if (isKithClientError(error, 'GRANT_REVOKED', 'GRANT_EXPIRED', 'INVALID_GRANT')) {
        customers.forgetGrant(customer);
        customer.notice = 'Your vault no longer shares your details with us; we have deleted our copy.';
        return;
      }
      // A vault that is briefly away: keep showing the copy we have.
      if (isKithClientError(error, 'NETWORK_ERROR', 'TIMEOUT', 'SERVICE_UNAVAILABLE', 'RATE_LIMITED')) return;
      throw error;
    }
  }

  async function storeGrant(customer: Customer, collected: Awaited<ReturnType<KithClient['collectGrant']>>) {
    customer.grant = collected.grant;
    customer.grantId = collected.grantId;
    customer.sub = collected.sub;
    customer.receipt = collected.receipt;
    customer.data = undefined;
    customer.etag = undefined;
    customer.notice = undefined;
    await refreshData(customer);
  }

  // The client id: the vault fetches this to learn who we are and which keys are ours.
  app.get(clientIdPath, async (c) =>
    c.json(
      await client().metadataDocument({
        clientName: 'Corner Shop',
        redirectUris: [`${publicUrl()}/kith/callback`],
        clientUri: `${publicUrl()}/`,
        webhookUri: `${publicUrl()}/kith/webhooks`,
      }),
    ),
  );

  app.get('/', async (c) => {
    const customer = currentCustomer(c);
    await refreshData(customer);
    c.header('cache-control', 'no-store');
    return c.html(checkoutPage(customer));
  });

  // Redirect flow: ask for the grant, send the person to their vault.
  app.post('/kith/start', async (c) => {
    const customer = currentCustomer(c);
    const state = randomToken();
    const request = await client().requestGrant({
      fields: [...FIELDS],
      optionalFields: [...OPTIONAL_FIELDS],
      purpose: 'delivery',
      duration: '30d',
      redirectUri: `${publicUrl()}/kith/callback`,
      state,
    });
    customer.pendingState = state;
    return c.redirect(request.approveUrl, 303);
  });

  // The vault sends the person back here with a one-time code (or an error) and our state.
  app.get('/kith/callback', async (c) => {
    const customer = currentCustomer(c);
    const { code, state, error } = c.req.query();
    // The state ties this redirect to the session that started it (login CSRF, RFC 6749 §10.12).
    if (!state || state !== customer.pendingState) {
      customer.notice = 'That link was not for this checkout; please start again.';
      return c.redirect('/', 303);
    }
    customer.pendingState = undefined;
    if (error || !code) {
      customer.notice =
        error === 'access_denied' ? 'You declined; no details were shared.' : 'Nothing was shared.';
      return c.redirect('/', 303);
    }
    try {
      const collected = await client().collectGrant({ code });
      if (collected.state !== undefined && collected.state !== state) throw new Error('state mismatch');
      await storeGrant(customer, collected);
    } catch (failure) {
      if (!isKithClientError(failure)) throw failure;
      customer.notice = `Your vault did not share your details (${failure.code}).`;
    }
    return c.redirect('/', 303);
  });

  // "Call me" flow: a code the person approves in their vault while we poll.
  app.post('/kith/code', async (c) => {
    const customer = currentCustomer(c);
    customer.pendingCode?.controller.abort();
    const request = await client().requestGrant({
      fields: [...FIELDS],
      optionalFields: [...OPTIONAL_FIELDS],
      purpose: 'delivery',
      duration: '30d',
    });
    const controller = new AbortController();
    customer.pendingCode = {
      requestId: request.id,
      userCode: request.userCode,
      approveUrl: request.approveUrl,
      controller,
    };
    customer.notice = undefined;
    client()
      .waitForGrant({
        requestId: request.id,
        interval: request.interval,
        signal: controller.signal,
        timeoutMs: Math.max(0, Date.parse(request.expiresAt) - Date.now()) + 30_000,
      })
      .then((collected) => storeGrant(customer, collected))
      .catch((failure: unknown) => {
        if (isKithClientError(failure, 'ABORTED')) return;
        customer.notice = isKithClientError(failure, 'ACCESS_DENIED')
          ? 'You declined; no details were shared.'
          : `No details were shared (${isKithClientError(failure) ? failure.code : 'error'}).`;
      })
      .finally(() => {
        if (customer.pendingCode?.controller === controller) customer.pendingCode = undefined;
      });
    return c.redirect('/', 303);
  });

  // Give the grant back and delete our copy: as easy for us as for the owner.
  app.post('/kith/forget', async (c) => {
    const customer = currentCustomer(c);
    if (customer.grant) {
      try {
        await client().relinquish(customer.grant);
      } catch (failure) {
        if (!isKithClientError(failure, 'GRANT_REVOKED', 'GRANT_EXPIRED', 'INVALID_GRANT')) throw failure;
      }
    }
    customers.forgetGrant(customer);
    customer.notice = 'We have deleted your details.';
    return c.redirect('/', 303);
  });

  // The vault's signed events. Verified first (v1a: the vault's published key), then handled; a 2xx
  // tells the vault not to send this one again.
  app.post('/kith/webhooks', async (c) => {
    let event: WebhookEvent;
    try {
      event = await verifyWebhook(c.req.raw, {
        vault: options.vaultUrl,
        fetch: options.fetch,
        clock: options.clock,
        seen: (id) => handled.has(id),
      });
    } catch (failure) {
      if (isKithClientError(failure, 'WEBHOOK_REPLAYED')) return c.body(null, 204);
      if (
        isKithClientError(
          failure,
          'WEBHOOK_SIGNATURE_INVALID',
          'WEBHOOK_TIMESTAMP_INVALID',
          'INVALID_RESPONSE',
        )
      ) {
        return c.body(null, 400);
      }
      throw failure;
    }
    await handleEvent(event);
    // Marked only once handled: if handling failed, the vault's retry gets another go.
    handled.add(event.id);
    events.push(event);
    return c.body(null, 204);
  });

  async function handleEvent(event: WebhookEvent): Promise<void> {
    const known = customers.withSub(event.data.sub);
    switch (event.type) {
      case 'profile.updated':
        // No values in the event: re-read with the grants it names (that read is in the owner's log).
        for (const customer of known) {
          if (customer.grantId && event.data.grant_ids.includes(customer.grantId))
            await refreshData(customer);
          for (const shared of customer.shared ?? []) {
            if (event.data.grant_ids.includes(shared.grantId)) await redeemShared(customer, shared);
          }
        }
        return;
      case 'grant.revoked':
        for (const customer of known) {
          if (customer.grantId === event.data.grant_id) customers.forgetGrant(customer);
          customer.shared = customer.shared?.filter((shared) => shared.grantId !== event.data.grant_id);
        }
        return;
      case 'grant.created': {
        // The customer shared more, unasked: collect the grant (bound to our key) and read it.
        const collected = await client().collectGrant({ grantId: event.data.grant_id });
        const customer = known[0] ?? customers.getOrCreate(`sub:${collected.sub}`);
        customer.sub = collected.sub;
        const shared = { grant: collected.grant, grantId: collected.grantId };
        customer.shared = [...(customer.shared ?? []), shared];
        await redeemShared(customer, shared);
        return;
      }
      case 'relationship.ended':
        for (const customer of known) {
          customers.forgetGrant(customer);
          customer.notice = 'You ended your relationship with us; we no longer read your details.';
        }
        return;
      case 'erasure.requested': {
        // Erase first, then say so: the owner's vault shows the erasure confirmed.
        for (const customer of known) customers.erase(customer);
        const record = {
          erasureId: event.data.erasure_id,
          sub: event.data.sub,
          deadline: event.data.deadline,
          deleted: known.length,
        };
        customers.erasures.push(record);
        const acknowledged = await client().acknowledgeErasure({ erasureId: event.data.erasure_id });
        Object.assign(record, { acknowledgedAt: acknowledged.acknowledgedAt });
        return;
      }
      case 'contact.terms_changed':
        for (const customer of known) {
          customer.contact = { terms: event.data.contact, doNotContact: event.data.do_not_contact === true };
        }
        return;
    }
  }

  async function redeemShared(customer: Customer, shared: NonNullable<Customer['shared']>[number]) {
    try {
      const result = await client().redeem(shared.grant);
      if (!result.notModified) shared.data = result.fields;
    } catch (error) {
      if (!isKithClientError(error, 'GRANT_REVOKED', 'GRANT_EXPIRED', 'INVALID_GRANT')) throw error;
      customer.shared = customer.shared?.filter((s) => s !== shared);
    }
  }

  // A JSON view of the customer, for scripts and tests.
  app.get('/api/me', async (c) => {
    const customer = currentCustomer(c);
    await refreshData(customer);
    c.header('cache-control', 'no-store');
    return c.json({
      hasGrant: Boolean(customer.grant),
      sub: customer.sub ?? null,
      userCode: customer.pendingCode?.userCode ?? null,
      notice: customer.notice ?? null,
      data: customer.data ?? null,
      shared: (customer.shared ?? []).map((shared) => ({
        grantId: shared.grantId,
        data: shared.data ?? null,
      })),
      contact: customer.contact ?? null,
    });
  });

  app.onError((error, c) => {
    if (isKithClientError(error)) {
      return c.html(
        checkoutPage({ id: '', notice: `Your vault could not be reached (${error.code}).` }),
        502,
      );
    }
    console.error(error);
    return c.text('Something went wrong.', 500);
  });

  return {
    app,
    get kith() {
      return client();
    },
    get clientId() {
      return client().clientId;
    },
    customers,
    events,
    close() {
      for (const customer of customers.customers.values()) customer.pendingCode?.controller.abort();
    },
  };
}
