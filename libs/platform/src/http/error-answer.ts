import { STATUS_CODES } from 'node:http';
import { HttpException } from '@nestjs/common';
import { isTransientError } from '../infrastructure/transient-errors';

/** How long a client should wait before trying again: a lost race clears at once, an outage takes longer. */
export const CONFLICT_RETRY_AFTER_SECONDS = 1;
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** What the service answers for an error: status, extra headers and the body. */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /** True when nothing explains the error to the caller: it is logged as a fault of the service. */
  unexpected: boolean;
}

/** The body of every error answer: the status, its name and what to do about it. */
export const bodyOf = (status: number, message: string, extra: Record<string, unknown> = {}) => ({
  statusCode: status,
  error: STATUS_CODES[status] ?? 'Error',
  message,
  ...extra,
});

/**
 * Maps any error of a request to its answer: an HttpException as it is; optimistic-concurrency retries
 * that ran out to 409; a store or broker that does not answer to 503 (which webhook providers retry);
 * anything else to a 500 that names the correlation id and nothing of the error.
 */
export function errorAnswer(err: unknown, correlationId: string): ErrorAnswer {
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    const body =
      typeof response === 'object' && response !== null
        ? (response as Record<string, unknown>)
        : bodyOf(status, String(response));
    return { status, headers: {}, body, unexpected: false };
  }
  // Matched by name: the event store's error class belongs to a lib this one does not depend on.
  if ((err as { name?: unknown } | null)?.name === 'WrongExpectedRevisionError') {
    return {
      status: 409,
      headers: { 'Retry-After': String(CONFLICT_RETRY_AFTER_SECONDS) },
      body: bodyOf(
        409,
        'the same record was changed by other requests at the same time; send the request again',
      ),
      unexpected: false,
    };
  }
  if (isTransientError(err)) {
    return {
      status: 503,
      headers: { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) },
      body: bodyOf(503, 'a data store or the message broker is unreachable right now; retry later'),
      unexpected: false,
    };
  }
  return {
    status: 500,
    headers: {},
    body: bodyOf(500, `an unexpected error occurred (correlation id ${correlationId})`, { correlationId }),
    unexpected: true,
  };
}
