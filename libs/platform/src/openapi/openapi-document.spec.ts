import type { OpenAPIObject } from '@nestjs/swagger';
import { errorResponse } from './api-errors.decorator';
import { declarePlatformAnswers, openApiProblems } from './openapi-document';

const ok = { description: 'ok', content: { 'application/json': { schema: { type: 'object' } } } };
const doc = (paths: Record<string, unknown>): OpenAPIObject =>
  ({ openapi: '3.0.0', info: { title: 't', version: '1' }, paths }) as unknown as OpenAPIObject;

describe('the OpenAPI conventions', () => {
  it('accept an operation that declares its answers and a uuid id', () => {
    const document = declarePlatformAnswers(
      doc({
        '/v1/things/{id}': {
          get: {
            parameters: [{ in: 'path', name: 'id', schema: { type: 'string', format: 'uuid' } }],
            security: [{ bearer: [] }],
            responses: { '200': ok, '400': errorResponse(400), '404': errorResponse(404) },
          },
        },
      }),
    );
    expect(openApiProblems(document)).toEqual([]);
    expect(Object.keys(document.paths['/v1/things/{id}']!.get!.responses).sort()).toEqual(
      ['200', '400', '401', '404', '429', '503'].sort(),
    );
  });

  it('name every operation that lacks a response schema, its error answers or a uuid id', () => {
    const problems = openApiProblems(
      doc({
        '/v1/things/{id}': {
          post: {
            parameters: [{ in: 'path', name: 'id', schema: { type: 'string' } }],
            requestBody: { content: {} },
            security: [{ bearer: [] }],
            responses: { '201': { description: '{ id }' } },
          },
        },
      }),
    );
    expect(problems).toEqual([
      'POST /v1/things/{id}: no 2xx response with a schema',
      'POST /v1/things/{id}: no 4xx response',
      'POST /v1/things/{id}: no 429 response',
      'POST /v1/things/{id}: takes input but declares no 400 response',
      'POST /v1/things/{id}: has path parameters but no 404 response',
      'POST /v1/things/{id}: needs a token but declares no 401',
      'POST /v1/things/{id}: path parameter id is not declared as a uuid',
    ]);
  });

  it('refuse JSON Schema that OpenAPI 3.0 does not have (prefixItems, const, null types)', () => {
    const schema = {
      type: 'object',
      properties: {
        slot: { type: 'array', prefixItems: [{ type: 'string' }] },
        v: { const: 'x' },
        n: { type: ['string', 'null'] },
      },
    };
    const problems = openApiProblems(
      declarePlatformAnswers(
        doc({
          '/v1/rules': {
            get: { responses: { '200': { description: 'ok', content: { 'application/json': { schema } } } } },
          },
        }),
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(/slot\/prefixItems: "prefixItems" is not OpenAPI 3\.0$/),
      expect.stringMatching(/v\/const: "const" is not OpenAPI 3\.0$/),
      expect.stringMatching(/n\/type: type \["string","null"\] is not OpenAPI 3\.0/),
    ]);
  });
});
