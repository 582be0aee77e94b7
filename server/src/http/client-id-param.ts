import { KithError } from './kith-error.ts';

/** A vendor's client id from its path segment (base64url), as the vendor pages use it. */
export function clientIdOfKey(key: string): string {
  const clientId = Buffer.from(key, 'base64url').toString('utf8');
  if (!/^https?:\/\//.test(clientId)) throw new KithError('NOT_FOUND');
  return clientId;
}
