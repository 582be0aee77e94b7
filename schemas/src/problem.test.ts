import { describe, expect, it } from 'vitest';
import { allErrorCodes, errorCodes, problemType } from './error-codes.ts';
import { problemSchema } from './problem.ts';

const notFound = {
  type: problemType('NOT_FOUND'),
  title: errorCodes.NOT_FOUND.title,
  status: 404,
  code: 'NOT_FOUND',
};

describe('problemSchema', () => {
  it('accepts a problem for every error code', () => {
    for (const code of allErrorCodes) {
      const { status, title } = errorCodes[code];
      expect(problemSchema.parse({ type: problemType(code), title, status, code }).code).toBe(code);
    }
  });

  it('accepts the optional members and validation errors', () => {
    const problem = {
      ...notFound,
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'The email is not valid.',
      instance: '/api/profile',
      requestId: 'req_123',
      errors: [{ path: '/email', code: 'invalid_format', message: 'Enter an email address.' }],
    };
    expect(problemSchema.parse(problem)).toEqual(problem);
  });

  it('keeps extension members, as RFC 9457 §3.2 allows', () => {
    expect(problemSchema.parse({ ...notFound, retryAfter: 30 })).toMatchObject({ retryAfter: 30 });
  });

  it('refuses unknown codes, non-error statuses and missing members', () => {
    for (const v of [
      { ...notFound, code: 'NOPE' },
      { ...notFound, code: 'not_found' },
      { ...notFound, status: 200 },
      { ...notFound, status: 404.5 },
      { ...notFound, status: '404' },
      { ...notFound, type: '' },
      { ...notFound, errors: [{ path: '/email' }] },
      { title: 'x', status: 404, code: 'NOT_FOUND' },
      null,
      'NOT_FOUND',
    ]) {
      expect(problemSchema.safeParse(v).success, JSON.stringify(v)).toBe(false);
    }
  });
});
