import { ApiResponse } from '@nestjs/swagger';
import type { z } from 'zod';
import { openApiSchema } from '../http/request-input';

/** Declares an operation's success answer: its status and the schema of its JSON body. */
export const ApiAnswer = (schema: z.ZodType, status = 200, description = 'Done') =>
  ApiResponse({ status, description, schema: openApiSchema(schema) });
