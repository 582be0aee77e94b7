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
