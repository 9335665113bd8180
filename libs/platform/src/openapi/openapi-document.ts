import type { OpenAPIObject } from '@nestjs/swagger';
import { errorResponse } from './api-errors.decorator';

type Operation = {
  parameters?: { in?: string; name?: string; schema?: { format?: string } }[];
  requestBody?: unknown;
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

function operations(document: OpenAPIObject): { name: string; path: string; operation: Operation }[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((m) => ({
      name: `${m.toUpperCase()} ${path}`,
      path,
      operation: (item as Record<string, Operation>)[m] as Operation,
    })),
  );
}

/**
 * Declares on every operation what the platform answers to any request, whichever the operation:
 * 429 (the rate limit), 503 (a store or the broker unreachable, or the process at its load limit) and,
 * where a token is needed, 401.
 */
export function declarePlatformAnswers(document: OpenAPIObject): OpenAPIObject {
  for (const { operation } of operations(document)) {
    const responses = (operation.responses ??= {});
    responses['429'] ??= errorResponse(429);
    responses['503'] ??= errorResponse(503);
    if (operation.security?.length) responses['401'] ??= errorResponse(401);
  }
  return document;
}

// JSON Schema keywords (and forms) that OpenAPI 3.0's schema objects do not have.
const NOT_OPENAPI_30 = new Set([
  'prefixItems',
  'const',
  '$schema',
  '$defs',
  'propertyNames',
  'patternProperties',
  'unevaluatedProperties',
  'dependentSchemas',
]);

function schemaProblems(node: unknown, pointer: string, out: string[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => schemaProblems(item, `${pointer}/${i}`, out));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    const at = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (NOT_OPENAPI_30.has(key)) out.push(`${at}: "${key}" is not OpenAPI 3.0`);
    if (key === 'type' && (Array.isArray(value) || value === 'null'))
      out.push(`${at}: type ${JSON.stringify(value)} is not OpenAPI 3.0 (use nullable)`);
    schemaProblems(value, at, out);
  }
}

/**
 * What an OpenAPI document fails to say, one line each: an operation without a 2xx response schema or
 * without its error answers (400 for a body, a query or a uuid in the path, 404 for path parameters
 * except on a PUT, which creates what is not there,
 * 401 when a token is needed, 429),
 * an `id` path parameter that is not a uuid, or a JSON Schema keyword that OpenAPI 3.0 does not have.
 */
export function openApiProblems(document: OpenAPIObject): string[] {
  const problems: string[] = [];
  for (const { name, operation } of operations(document)) {
    const responses = operation.responses ?? {};
    const codes = Object.keys(responses);
    const has = (code: string) => codes.includes(code);
    const success = codes.filter((c) => /^2\d\d$/.test(c));
    if (!success.some((c) => Object.values(responses[c]?.content ?? {}).some((m) => m.schema)))
      problems.push(`${name}: no 2xx response with a schema`);
    if (!codes.some((c) => /^4\d\d$/.test(c))) problems.push(`${name}: no 4xx response`);
    if (!has('429')) problems.push(`${name}: no 429 response`);
    const parameters = operation.parameters ?? [];
    const pathParameters = parameters.filter((p) => p.in === 'path');
    const checked = parameters.some((p) => p.in === 'query' || p.schema?.format === 'uuid');
    if ((operation.requestBody || checked) && !has('400'))
      problems.push(`${name}: takes input but declares no 400 response`);
    // A PUT to a path creates what is not there yet (an agent, a group): it has no 404 to declare.
    if (pathParameters.length && !has('404') && !name.startsWith('PUT '))
      problems.push(`${name}: has path parameters but no 404 response`);
    if (operation.security?.length && !has('401'))
      problems.push(`${name}: needs a token but declares no 401`);
    for (const p of pathParameters)
      if (p.name === 'id' && p.schema?.format !== 'uuid')
        problems.push(`${name}: path parameter id is not declared as a uuid`);
  }
  schemaProblems(document, '#', problems);
  return problems;
}
