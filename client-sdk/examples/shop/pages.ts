import type { RedeemedFields } from '@kith/client';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Customer } from './store.ts';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const style = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
  h1 { font-size: 1.5rem; }
  .card { border: 1px solid #ccc; border-radius: .5rem; padding: 1rem; margin: 1rem 0; }
  button { font: inherit; padding: .5rem 1rem; border-radius: .4rem; border: 1px solid #333; background: #fff; cursor: pointer; }
  button.primary { background: #1b4d3e; color: #fff; border-color: #1b4d3e; }
  .code { font: 700 1.75rem/1 ui-monospace, monospace; letter-spacing: .1em; }
  .notice { background: #fff4d6; padding: .5rem 1rem; border-radius: .4rem; }
  dt { font-weight: 600; } dd { margin: 0 0 .5rem; }
`;

function layout(title: string, body: Html, refreshSeconds?: number): Html {
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    ${refreshSeconds ? html`<meta http-equiv="refresh" content="${refreshSeconds}" />` : ''}
    <title>${title} · Corner Shop</title>
    <style>${raw(style)}</style>
  </head>
  <body>
    <h1>${title}</h1>
    ${body}
  </body>
</html>`;
}

function formatAddress(address: RedeemedFields['address']): Html {
  if (!address) return html`—`;
  const lines = [
    address.street_address,
    [address.postal_code, address.locality].filter(Boolean).join(' '),
    address.region,
    address.country,
  ].filter((line): line is string => typeof line === 'string' && line !== '');
  return html`${lines.map((line, index) => html`${index > 0 ? html`<br />` : ''}${line}`)}`;
}

function deliveryDetails(data: RedeemedFields): Html {
  return html`<dl id="delivery-details">
    <dt>Name</dt><dd data-field="name">${data.name ?? '—'}</dd>
    <dt>Email</dt><dd data-field="email">${data.email ?? '—'}</dd>
    <dt>Address</dt><dd data-field="address">${formatAddress(data.address)}</dd>
    <dt>Phone</dt><dd data-field="phone_number">${data.phone_number ?? 'not shared'}</dd>
  </dl>`;
}

/** The checkout page, in whichever state the customer is. */
export function checkoutPage(customer: Customer): Html {
  const notice = customer.notice ? html`<p class="notice" role="status">${customer.notice}</p>` : '';
  if (customer.grant && customer.data) {
    return layout(
      'Checkout',
      html`${notice}
        <div class="card">
          <p>Delivering to (from your Kith vault, always up to date):</p>
          ${deliveryDetails(customer.data)}
        </div>
        <form method="post" action="/kith/forget">
          <button type="submit">Forget my details</button>
        </form>`,
    );
  }
  if (customer.pendingCode) {
    return layout(
      'Approve in your vault',
      html`<div class="card">
          <p>Open your Kith vault and approve this code, or follow the link:</p>
          <p class="code" id="user-code">${customer.pendingCode.userCode}</p>
          <p><a href="${customer.pendingCode.approveUrl}">Approve in your vault</a></p>
          <p>This page refreshes by itself.</p>
        </div>`,
      2,
    );
  }
  return layout(
    'Checkout',
    html`${notice}
      <div class="card">
        <p>One coffee grinder, £49. Where shall we deliver it?</p>
        <form method="post" action="/kith/start">
          <button class="primary" type="submit" id="use-kith">Use my Kith vault</button>
        </form>
        <p>On the phone with us? We can give you a code to approve instead.</p>
        <form method="post" action="/kith/code">
          <button type="submit" id="use-code">Give me a code</button>
        </form>
      </div>`,
  );
}
