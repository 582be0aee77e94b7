/** Small helpers for talking to the app in tests. */
import type { KithApp } from '@kith/server';

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** Sends a request to the in-process app and reads the JSON answer. */
export async function requestJson<T = unknown>(
  app: KithApp,
  path: string,
  init: {
    method?: string;
    cookie?: string;
    json?: unknown;
    body?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<JsonResponse<T>> {
  // With a session, as the vault's own page would send it: the owner API refuses writes that do not
  // show they come from the vault's origin (a browser adds Sec-Fetch-Site itself). Tests of that
  // guard override or drop it through `headers`.
  const headers: Record<string, string> = init.cookie
    ? { 'sec-fetch-site': 'same-origin', ...init.headers }
    : { ...init.headers };
  if (init.cookie) headers.cookie = init.cookie;
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await app.request(path, {
    method: init.method ?? 'GET',
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

/**
 * Submits a page's form as a browser without JavaScript would: opens the page
 * with the session to get its CSRF cookie and token, then posts the form
 * same-origin with both.
 *
 * @example
 * const res = await submitPageForm(tv, `/approve/${id}`, cookie, { decision: 'approve' });
 */
export async function submitPageForm(
  vault: { app: KithApp; config: { publicUrl: URL } },
  path: string,
  cookie: string,
  form: Record<string, string>,
): Promise<Response> {
  const page = await vault.app.request(path, { headers: { cookie } });
  const csrf = page.headers
    .getSetCookie()
    .find((c) => c.startsWith('__Host-kith_csrf='))
    ?.split(';')[0];
  const token = /<meta name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  return vault.app.request(path, {
    method: 'POST',
    headers: {
      cookie: `${cookie}; ${csrf}`,
      origin: vault.config.publicUrl.origin,
      'sec-fetch-site': 'same-origin',
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ _csrf: token, ...form }),
  });
}
