import { BadRequestException } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { describeIssues } from '@journey/contracts';

/** Validates a request part with a schema; a 400 lists every wrong field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'body'): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: `invalid ${what}: ${describeIssues(parsed.error)}`,
  });
}

/** The JSON Schema of a zod schema, for the OpenAPI document. */
export const openApiSchema = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

/** The request's correlation id (set by the request logging middleware). */
export const correlationIdOf = (req: Request): string =>
  (req as Request & { correlationId?: string }).correlationId ?? crypto.randomUUID();

/** The exact bytes of the body as received (for signatures); empty when there was none. */
export const rawBodyOf = (req: Request): Buffer =>
  (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
