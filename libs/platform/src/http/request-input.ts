import { BadRequestException } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { describeIssues } from '@journey/contracts';
import { UNSAFE_TEXT_MESSAGE, unsafeTextPath } from './safe-text';

const invalid = (what: string, reason: string) =>
  new BadRequestException({ statusCode: 400, error: 'Bad Request', message: `invalid ${what}: ${reason}` });

/**
 * Validates a request part with a schema; a 400 lists every wrong field. Whatever the schema, no
 * string in the input (value or key) may hold NUL or an unpaired surrogate, which no store keeps.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'body'): z.infer<S> {
  const unsafe = unsafeTextPath(input);
  if (unsafe !== undefined) throw invalid(what, `${unsafe}: ${UNSAFE_TEXT_MESSAGE}`);
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw invalid(what, describeIssues(parsed.error));
}

/** The schema of a zod schema for the OpenAPI 3.0 document (no 3.1-only keywords such as prefixItems). */
export const openApiSchema = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;

/** The request's correlation id (set by the request logging middleware). */
export const correlationIdOf = (req: Request): string =>
  (req as Request & { correlationId?: string }).correlationId ?? crypto.randomUUID();

/** The exact bytes of the body as received (for signatures); empty when there was none. */
export const rawBodyOf = (req: Request): Buffer =>
  (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
