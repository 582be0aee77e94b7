import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

/**
 * Structured JSON logs. Nothing that could hold personal data is ever passed
 * in: request logs carry the route pattern (not the URL, whose query may hold
 * codes), status and timing; errors carry their class and stack frames.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'kith' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // A last line of defence in case a careless call passes one of these.
      redact: {
        paths: ['req.headers.cookie', 'req.headers.authorization', 'body', 'value', 'fields'],
        remove: true,
      },
    },
    destination,
  );
}
