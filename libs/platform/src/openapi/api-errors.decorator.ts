import { applyDecorators } from '@nestjs/common';
import { ApiParam, ApiResponse } from '@nestjs/swagger';

/** The body of every error answer. */
export const ERROR_BODY_SCHEMA = {
  type: 'object' as const,
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' as const, example: 400 },
    error: { type: 'string' as const, example: 'Bad Request' },
    message: { type: 'string' as const, description: 'what is wrong, in words for the caller' },
  },
};

const RETRY_AFTER = {
  'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' as const } },
};

/** What each error answer means, as the OpenAPI documents say it. */
export const ERROR_ANSWERS = {
  400: 'The input is not valid; the message names each wrong field.',
  401: 'No valid token or signature; the message says why.',
  403: 'The token lacks the role the operation needs.',
  404: 'Not found (or not configured); the message says what.',
  409: 'Conflicts with the current state, or other requests changed the same record at the same time (Retry-After).',
  413: 'The body is larger than HTTP_BODY_LIMIT.',
  415: 'The Content-Type is missing or not one the operation reads; the message names the ones it does.',
  422: 'Valid input that the business rules refuse; the message says why.',
  429: 'Too many requests from this client; retry after Retry-After seconds.',
  503: 'A data store or the broker is unreachable right now, or the service is at its load limit; retry after Retry-After seconds.',
} as const;
export type ErrorStatus = keyof typeof ERROR_ANSWERS;

const withRetryAfter = (status: ErrorStatus) => status === 409 || status === 429 || status === 503;

/** The OpenAPI response object of an error answer. */
export const errorResponse = (status: ErrorStatus) => ({
  description: ERROR_ANSWERS[status],
  content: { 'application/json': { schema: ERROR_BODY_SCHEMA } },
  ...(withRetryAfter(status) ? { headers: RETRY_AFTER } : {}),
});

/** Declares the error answers an operation gives (429 and 503 are declared for every one at start-up). */
export const ApiErrors = (...statuses: ErrorStatus[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: ERROR_ANSWERS[status],
        schema: ERROR_BODY_SCHEMA,
        ...(withRetryAfter(status) ? { headers: RETRY_AFTER } : {}),
      }),
    ),
  );

/** A path parameter that is a uuid (a malformed one is a 400). */
export const ApiUuidParam = (name: string, description?: string) =>
  ApiParam({ name, schema: { type: 'string', format: 'uuid' }, ...(description ? { description } : {}) });
