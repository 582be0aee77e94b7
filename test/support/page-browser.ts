/** A tiny browser for server-side page tests: cookies, the CSRF token, form posts. */
import { SESSION_COOKIE } from '../../server/src/http/session-cookie.ts';
import type { TestVault } from './test-vault.ts';

/** A page as the tiny browser saw it. */
export interface Page {
  status: number;
  headers: Headers;
  text: string;
}

/** A tiny browser: keeps cookies, reads the page's CSRF token, posts forms from "our" origin by default. */
export function browserFor(tv: TestVault, cookies: Record<string, string> = {}) {
  const jar = { ...cookies };
  const cookieHeader = () =>
    Object.entries(jar)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (/Max-Age=0/i.test(line)) delete jar[name];
      else jar[name] = value;
    }
  };
  let token = '';
  const read = async (res: Response): Promise<Page> => {
    remember(res);
    const text = await res.text();
    token = /<meta name="csrf-token" content="([^"]+)"/.exec(text)?.[1] ?? token;
    return { status: res.status, headers: res.headers, text };
  };
  return {
    jar,
    /** The `Cookie` header this browser sends, for a request it does not make itself (a JSON ceremony). */
    cookieHeader,
    get token() {
      return token;
    },
    get: async (path: string) => read(await tv.app.request(path, { headers: { cookie: cookieHeader() } })),
    post: async (
      path: string,
      form: Record<string, string>,
      headers: Record<string, string> = {
        origin: tv.config.publicUrl.origin,
        'sec-fetch-site': 'same-origin',
      },
    ) =>
      read(
        await tv.app.request(path, {
          method: 'POST',
          headers: {
            cookie: cookieHeader(),
            'content-type': 'application/x-www-form-urlencoded',
            ...headers,
          },
          body: new URLSearchParams(form).toString(),
        }),
      ),
  };
}

/** The session token inside a `Set-Cookie` value as `signedInOwner()` returns it. */
export function sessionToken(cookie: string): string {
  return cookie.slice(`${SESSION_COOKIE}=`.length);
}
