import { evaluateRules, isWithinBusinessHours, ruleSetSchema } from './channel-rules';
import type { InboundFacts } from './channel-rules';

const set = ruleSetSchema.parse({
  businessHours: {
    timeZone: 'Asia/Shanghai',
    week: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']] },
    holidays: ['2026-11-24'],
  },
  rules: [
    {
      id: 'after-hours',
      name: 'After hours',
      when: { outsideBusinessHours: true },
      then: { autoReply: 'We are closed; we answer from 09:00 (Beijing time).' },
    },
    {
      id: 'refunds',
      name: 'Refunds to billing',
      when: { keywords: ['refund', '退款'] },
      then: { route: { group: 'billing', priority: 'high' }, autoReply: 'A billing specialist will answer.' },
    },
    {
      id: 'product-x',
      name: 'Product X inbox',
      when: { channels: ['email'], recipient: 'x@example.com' },
      then: { route: { group: 'x-specialists', skill: 'product-x' } },
    },
  ],
});

// Monday 2026-11-23 10:00 in Shanghai is 02:00 UTC.
const open = new Date('2026-11-23T02:00:00Z');
const facts = (over: Partial<InboundFacts>): InboundFacts => ({
  channel: 'web-chat',
  channelId: 'website',
  firstMessage: true,
  at: open,
  lastAutoReplies: {},
  ...over,
});

describe('business hours', () => {
  it('are read in the calendar’s time zone, with holidays closed and the end exclusive', () => {
    const hours = set.businessHours!;
    expect(isWithinBusinessHours(hours, open)).toBe(true);
    expect(isWithinBusinessHours(hours, new Date('2026-11-23T10:00:00Z'))).toBe(false); // 18:00 there
    expect(isWithinBusinessHours(hours, new Date('2026-11-24T02:00:00Z'))).toBe(false); // holiday
    expect(isWithinBusinessHours(hours, new Date('2026-11-22T02:00:00Z'))).toBe(false); // Sunday
  });
});

describe('channel rules', () => {
  it('auto-reply outside business hours only', () => {
    expect(evaluateRules(set, facts({ text: 'hello' })).autoReply).toBeUndefined();
    expect(
      evaluateRules(set, facts({ text: 'hello', at: new Date('2026-11-23T12:00:00Z') })).autoReply,
    ).toEqual({
      ruleId: 'after-hours',
      text: 'We are closed; we answer from 09:00 (Beijing time).',
    });
  });

  it('match Latin keywords as whole words and Chinese phrases inside text', () => {
    expect(evaluateRules(set, facts({ text: 'I want a REFUND now' })).matched).toEqual(['refunds']);
    expect(evaluateRules(set, facts({ text: 'refunded already' })).matched).toEqual([]);
    expect(evaluateRules(set, facts({ text: '我想申请退款可以吗' })).route).toEqual({
      hints: { group: 'billing', priority: 'high' },
      ruleIds: ['refunds'],
    });
  });

  it('merge routing hints in rule order: an earlier rule wins a field, a later one fills the rest', () => {
    const outcome = evaluateRules(
      set,
      facts({ channel: 'email', channelId: 'support', recipient: 'X@example.com', text: 'refund please' }),
    );
    expect(outcome.route).toEqual({
      hints: { group: 'billing', priority: 'high', skill: 'product-x' },
      ruleIds: ['refunds', 'product-x'],
    });
  });

  it('do not auto-reply again within the rule’s cooldown', () => {
    const at = new Date('2026-11-23T12:00:00Z');
    const recent = { 'after-hours': new Date(at.getTime() - 30 * 60_000).toISOString() };
    expect(evaluateRules(set, facts({ text: 'hi', at, lastAutoReplies: recent })).autoReply).toBeUndefined();
    const old = { 'after-hours': new Date(at.getTime() - 61 * 60_000).toISOString() };
    expect(evaluateRules(set, facts({ text: 'hi', at, lastAutoReplies: old })).autoReply?.ruleId).toBe(
      'after-hours',
    );
  });

  it('refuse a rule set with duplicate ids, unknown fields, or hours-based rules without hours', () => {
    const bad = ruleSetSchema.safeParse({
      rules: [
        { id: 'a', name: 'A', when: { outsideBusinessHours: true }, then: { autoReply: 'x' } },
        { id: 'a', name: 'B', then: { route: { group: 'g' } }, colour: 'red' },
        { id: 'c', name: 'C', then: {} },
      ],
    });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rules.1: Unrecognized key/),
        'rules.2.then: a rule must auto-reply, route, or both',
      ]),
    );
  });
});

describe('the rule set as one event', () => {
  it('is refused when larger than a rules-configured event may be', () => {
    const rule = (i: number) => ({ id: `r-${i}`, name: 'Rule', then: { autoReply: '答'.repeat(4000) } });
    const big = ruleSetSchema.safeParse({ rules: Array.from({ length: 100 }, (_, i) => rule(i)) });
    expect(big.success).toBe(false);
    expect(big.error?.issues[0]?.message).toMatch(/the rule set is larger than 262144 bytes/);
    expect(ruleSetSchema.safeParse({ rules: Array.from({ length: 10 }, (_, i) => rule(i)) }).success).toBe(
      true,
    );
  });
});
