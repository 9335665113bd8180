import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { scrubText } from './redact-personal-data';

export const CORRELATION_HEADER = 'x-correlation-id';
const PATH_LOG_MAX = 200;

/**
 * What a log may say of a request's path: its route pattern (`/v1/contacts/:id`) when one matched;
 * else the path decoded, so that percent-encoded addresses and numbers are seen and masked, and cut short.
 */
export function routeOf(req: Request): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof route === 'string') return `${req.baseUrl}${route}`;
  let path = req.path;
  try {
    path = decodeURIComponent(path);
  } catch {
    // A malformed escape: the raw path, masked all the same.
  }
  return scrubText(path).slice(0, PATH_LOG_MAX);
}

/**
 * Logs one line per HTTP request: method, route pattern (never the query string, which may carry
 * personal data, nor a raw unmatched path), status and duration; propagates or assigns a correlation id.
 */
export function requestLogging(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.header(CORRELATION_HEADER);
    const correlationId = incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader(CORRELATION_HEADER, correlationId);
    (req as Request & { correlationId?: string }).correlationId = correlationId;
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const path = routeOf(req);
      if (path.startsWith('/health/')) return;
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      // A request turned away for load is expected under overload: a warning, not an error of the service.
      const shed = (res.locals as Record<string, unknown> | undefined)?.['shed'] !== undefined;
      const level = res.statusCode >= 500 && !shed ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
      logger[level](
        {
          method: req.method,
          path,
          status: res.statusCode,
          durationMs: Math.round(durationMs * 10) / 10,
          correlationId,
        },
        'http request',
      );
    });
    next();
  };
}
