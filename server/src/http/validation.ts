import type { Hook } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import type { AppEnv } from '../env.ts';
import { type FieldIssue, KithError } from './kith-error.ts';

/**
 * Turns a failed zod parse into the problem the client gets: a key the
 * catalogue does not know is `UNKNOWN_FIELD`; anything else is
 * `VALIDATION_FAILED`. Either way each failing path is listed. Messages are
 * zod's own and never echo the submitted value.
 */
export function validationError(error: ZodError): KithError {
  const unknown = error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' ? issue.keys.map((key) => joinPath([...issue.path, key])) : [],
  );
  if (unknown.length > 0) {
    return new KithError('UNKNOWN_FIELD', {
      detail: `Unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.map((p) => p.slice(1)).join(', ')}.`,
      errors: unknown.map((path) => ({
        path,
        code: 'unknown_field',
        message: 'Kith has no field by this name.',
      })),
    });
  }
  const errors: FieldIssue[] = error.issues.map((issue) => ({
    path: joinPath(issue.path),
    code: issue.code,
    message: issue.message,
  }));
  return new KithError('VALIDATION_FAILED', {
    detail: `Invalid: ${[...new Set(errors.map((e) => e.path || 'the body'))].join(', ')}.`,
    errors,
  });
}

/** The `defaultHook` every OpenAPI router uses: a failed parse becomes a problem. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) throw validationError(result.error as ZodError);
};

// A JSON Pointer (RFC 6901): unambiguous even though profile paths contain dots
// ("/contact.channels/0"); "~" and "/" are escaped as §3 requires.
function joinPath(path: readonly PropertyKey[]): string {
  return path.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}
