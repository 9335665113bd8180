import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { openApiSchema, parseInput } from './request-input';

const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequestException);
    return ((err as BadRequestException).getResponse() as { message: string }).message;
  }
  throw new Error('the input was accepted');
};

describe('parseInput', () => {
  const schema = z.object({ idempotencyKey: z.string().max(200), details: z.record(z.string(), z.string()) });

  it('refuses NUL and unpaired surrogates in any string or key, whatever the schema says, with a 400', () => {
    expect(refusal(() => parseInput(schema, { idempotencyKey: 'k\u0000', details: {} }))).toBe(
      'invalid body: idempotencyKey: must not contain NUL characters or unpaired UTF-16 surrogates',
    );
    expect(refusal(() => parseInput(schema, { idempotencyKey: 'k', details: { '\uD800': 'x' } }))).toMatch(
      /^invalid body: details\.\(a key\): must not contain/,
    );
  });

  it('lists every wrong field otherwise', () => {
    expect(refusal(() => parseInput(schema, { details: 3 }, 'XML'))).toMatch(
      /^invalid XML: idempotencyKey: .*; details: /,
    );
    expect(parseInput(schema, { idempotencyKey: '🙂', details: { a: 'b' } })).toEqual({
      idempotencyKey: '🙂',
      details: { a: 'b' },
    });
  });
});

describe('openApiSchema', () => {
  it('writes OpenAPI 3.0 schemas: a tuple without prefixItems, nullable instead of a null type', () => {
    const schema = openApiSchema(
      z.object({ slot: z.tuple([z.string(), z.string()]), note: z.string().nullable(), v: z.literal('x') }),
    );
    const text = JSON.stringify(schema);
    expect(text).not.toMatch(/prefixItems|"const"|\$schema|"null"/);
    expect(schema).toMatchObject({
      properties: { note: { nullable: true }, slot: { minItems: 2, maxItems: 2 } },
    });
  });
});
