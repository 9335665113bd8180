import { BadRequestException } from '@nestjs/common';
import fc from 'fast-check';
import { parseInput } from '@journey/platform';
import { MESSAGE_TEXT_MAX } from '@journey/contracts';
import { signRequest, verifySignedRequest } from './signed-request';
import { apiMessageSchema, callEventSchema } from './signed-webhooks.controller';

// The signed webhooks' input, for any input: a signature holds for exactly the body it signs, a header or
// body of any shape is refused with a reason (never an exception), any JSON body is parsed or refused with a
// 400 (never another error), and a well-formed message is taken whole, a text over the bound refused.
const now = Date.parse('2026-11-23T10:00:00Z');
const secret = fc.string({ minLength: 16, maxLength: 64 });
const body = fc.uint8Array({ minLength: 0, maxLength: 2048 }).map((b) => Buffer.from(b));

describe('signed calls, for any secret and body', () => {
  it('verify exactly when signed with the secret, over that body, within five minutes', () => {
    fc.assert(
      fc.property(secret, body, fc.integer({ min: -299, max: 299 }), (s, b, skew) => {
        expect(verifySignedRequest(s, signRequest(s, b, now + skew * 1000), b, now)).toEqual({ ok: true });
      }),
      { numRuns: 300 },
    );
  });

  it('fail when a single byte of the body changes, or when another secret signed', () => {
    fc.assert(
      fc.property(
        secret,
        secret,
        body.filter((b) => b.length > 0),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (s, other, b, at, flip) => {
          const headers = signRequest(s, b, now);
          const changed = Buffer.from(b);
          const i = at % changed.length;
          changed[i] = (changed[i] as number) ^ flip;
          expect(verifySignedRequest(s, headers, changed, now).ok).toBe(false);
          if (other !== s) expect(verifySignedRequest(other, headers, b, now).ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answer headers of any shape with a reason, never an exception', () => {
    const header = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.constant(undefined));
    fc.assert(
      fc.property(
        fc.record({ 'x-journey-timestamp': header, 'x-journey-signature': header }, { requiredKeys: [] }),
        body,
        (headers, b) => {
          const result = verifySignedRequest('s3cret-s3cret-s3cret', headers, b, now);
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('the signed webhooks’ JSON bodies, for any JSON', () => {
  const refusedOrTaken = (schema: Parameters<typeof parseInput>[0], input: unknown) => {
    try {
      return { taken: parseInput(schema, input) as Record<string, unknown> };
    } catch (err) {
      expect(err).toBeInstanceOf(BadRequestException);
      expect((err as BadRequestException).getStatus()).toBe(400);
      return { refused: true };
    }
  };

  it.each([
    ['an API message', apiMessageSchema],
    ['a call event', callEventSchema],
  ])('answers %s of any JSON shape with a parse or a 400, never another error', (_what, schema) => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        refusedOrTaken(schema, input);
      }),
      { numRuns: 1000 },
    );
  });

  it('takes every well-formed API message whole, and refuses a text one character over the bound', () => {
    // Whole graphemes (any script, no lone surrogate) and no NUL, which no store keeps.
    const text = (max: number) =>
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: max }).filter((t) => !t.includes('\u0000'));
    const message = fc.record({
      idempotencyKey: text(50),
      user: fc.record({ id: text(50) }),
      text: text(300),
    });
    fc.assert(
      fc.property(message, (m) => {
        expect(refusedOrTaken(apiMessageSchema, m)).toEqual({
          taken: expect.objectContaining({ text: m.text }),
        });
      }),
      { numRuns: 500 },
    );
    const over = { idempotencyKey: 'k', user: { id: 'u' }, text: 'x'.repeat(MESSAGE_TEXT_MAX + 1) };
    expect(refusedOrTaken(apiMessageSchema, over)).toEqual({ refused: true });
  });
});
