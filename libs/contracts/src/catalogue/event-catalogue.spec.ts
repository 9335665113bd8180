import { z } from 'zod';
import { journeyCatalogue } from './journey-catalogue';
import { defineEvent, EventCatalogue } from './event-catalogue';

describe('the event catalogue', () => {
  it('validates event data and says which fields are wrong', () => {
    const ok = journeyCatalogue.validate('channels.message-received.v1', {
      conversationId: '0b5c7c1e-3d0f-4b7e-9a53-8f1f5c2a7d11',
      channel: 'wechat',
      channelId: 'oa-main',
      messageId: '6f1d2a9e-2b8c-4f1e-8d7a-3c5b9e0f1a22',
      providerMessageId: 'wx-123',
      identities: [{ kind: 'wechat-openid', value: 'oX1', verified: true }],
      text: '你好',
      receivedAt: '2026-11-23T10:00:00.000Z',
    });
    expect(ok).toMatchObject({ ok: true, data: { attachments: [] } });
    const bad = journeyCatalogue.validate('channels.message-received.v1', {
      conversationId: 'not-a-uuid',
      channel: 'fax',
      identities: [],
    });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.reason).toMatch(/conversationId: /);
    expect(bad.reason).toMatch(/channel: /);
    expect(bad.reason).toMatch(/providerMessageId: /);
    expect(journeyCatalogue.validate('channels.nothing.v1', {})).toEqual({
      ok: false,
      reason: 'unknown event type channels.nothing.v1',
    });
  });

  describe('upcasting', () => {
    const v1 = defineEvent({
      type: 'demo.price-set.v1',
      description: '',
      contactScoped: false,
      schema: z.object({ price: z.number() }),
    });
    const v2 = defineEvent({
      type: 'demo.price-set.v2',
      description: '',
      contactScoped: false,
      schema: z.object({ amount: z.number(), currency: z.string() }),
    });
    const v3 = defineEvent({
      type: 'demo.price-set.v3',
      description: '',
      contactScoped: false,
      schema: z.object({ money: z.object({ minor: z.number().int(), currency: z.string() }) }),
    });
    const catalogue = new EventCatalogue(
      [v1, v2, v3],
      [
        {
          from: v1.type,
          to: v2.type,
          upcast: (d) => ({ amount: (d as { price: number }).price, currency: 'CNY' }),
        },
        {
          from: v2.type,
          to: v3.type,
          upcast: (d) => {
            const { amount, currency } = d as { amount: number; currency: string };
            return { money: { minor: Math.round(amount * 100), currency } };
          },
        },
      ],
    );

    it('reads an old event as the latest version, through every step', () => {
      expect(catalogue.upcast('demo.price-set.v1', { price: 12.5 })).toEqual({
        ok: true,
        type: 'demo.price-set.v3',
        data: { money: { minor: 1250, currency: 'CNY' } },
      });
      expect(catalogue.upcast('demo.price-set.v3', { money: { minor: 1, currency: 'EUR' } })).toMatchObject({
        ok: true,
        type: 'demo.price-set.v3',
      });
    });

    it('validates an old version whose schema is gone by upcasting it first', () => {
      const withoutV1 = new EventCatalogue(
        [v2],
        [
          {
            from: 'demo.price-set.v1',
            to: v2.type,
            upcast: (d) => ({ amount: (d as { price: number }).price, currency: 'CNY' }),
          },
        ],
      );
      expect(withoutV1.validate('demo.price-set.v1', { price: 3 })).toEqual({
        ok: true,
        type: 'demo.price-set.v2',
        data: { amount: 3, currency: 'CNY' },
      });
      expect(withoutV1.validate('demo.price-set.v1', { price: 'three' })).toMatchObject({ ok: false });
    });

    it('refuses an upcaster that skips a version, and a type defined twice', () => {
      expect(() => new EventCatalogue([v1, v3], [{ from: v1.type, to: v3.type, upcast: (d) => d }])).toThrow(
        /must go one version up/,
      );
      expect(() => new EventCatalogue([v1, v1])).toThrow(/defined twice/);
      expect(() =>
        defineEvent({ type: 'demo.no-version', description: '', contactScoped: false, schema: z.object({}) }),
      ).toThrow(/no version suffix/);
    });
  });
});
