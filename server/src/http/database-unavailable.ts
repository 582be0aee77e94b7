/**
 * PostgreSQL's SQLSTATEs that say the server cannot serve now, not that the
 * statement was wrong: class 08 (the connection failed), 57P01–57P03 (shut
 * down, crashed, still starting), 53300 (no connection slot left) and 55P03
 * (a row stayed locked past the lock timeout: SQLite's busy).
 */
const POSTGRES_UNAVAILABLE = /^(08...|57P0[123]|53300|55P03)$/;

/** Node's socket errors for a database it cannot reach, or that went away mid-answer. */
const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * Whether `error` says the database cannot serve right now — its connection
 * was refused or cut, it is shutting down or starting, it has no connection
 * left, or a lock stayed held past the lock (PostgreSQL) or busy (SQLite)
 * timeout — rather than that this request or this code is wrong. Its
 * transaction was rolled back and the request may be tried again, so the
 * error handler answers `SERVICE_UNAVAILABLE` with a `Retry-After`.
 *
 * @example
 * isDatabaseUnavailable(Object.assign(new Error('terminating connection'), { code: '57P01' })) // true
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = driverErrorCode(error);
  if (code !== undefined) {
    return code === 'SQLITE_BUSY' || POSTGRES_UNAVAILABLE.test(code) || SOCKET_ERRORS.has(code);
  }
  // pg names a connection that ended under a query, a client it broke, or a pool that found none, only in words.
  return /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/.test(
    error.message,
  );
}

/** A driver's error code (a SQLSTATE, `SQLITE_BUSY`, `ECONNRESET`): what may be logged of it, never its message. */
export function driverErrorCode(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
