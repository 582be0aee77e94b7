/** Reading the SDK's typed errors in tests. */
import { isKithClientError } from '@kith/client';

/**
 * The `code` of the `KithClientError` a call fails with; any other outcome
 * (success, another error) fails the test.
 *
 * @example
 * expect(await codeOf(client.redeem(grant))).toBe('GRANT_REVOKED');
 */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isKithClientError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a KithClientError');
}
