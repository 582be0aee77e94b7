import { GRANT_TOKEN_TYPE } from '@kith/schemas';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { clientError } from './errors.ts';

/** What the SDK reads from a grant token without verifying it (the vault verifies it on every use). */
export interface GrantTokenInfo {
  iss: string;
  jti: string | undefined;
  exp: number | undefined;
  jkt: string | undefined;
}

/**
 * Reads a grant token's issuer and binding, unverified: enough to know which
 * vault to send it to. Only the vault that issued it can judge it.
 *
 * @example
 * readGrantToken(grant).iss // 'https://vault.example'
 */
export function readGrantToken(grant: string): GrantTokenInfo {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let payload: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(grant);
    payload = decodeJwt(grant);
  } catch (error) {
    throw clientError('INVALID_ARGUMENT', { detail: 'The grant is not a JWT.', cause: error });
  }
  // RFC 8725 §3.11: explicit typing tells a grant from any other JWT the vendor holds.
  if (header.typ !== GRANT_TOKEN_TYPE) {
    throw clientError('INVALID_ARGUMENT', {
      detail: `The token is not a Kith grant (typ ${String(header.typ)}).`,
    });
  }
  if (typeof payload.iss !== 'string') {
    throw clientError('INVALID_ARGUMENT', { detail: 'The grant names no issuer.' });
  }
  const cnf = payload.cnf as { jkt?: unknown } | undefined;
  return {
    iss: payload.iss,
    jti: payload.jti,
    exp: payload.exp,
    jkt: typeof cnf?.jkt === 'string' ? cnf.jkt : undefined,
  };
}
