import { computeJourneyFigures, journeyDrillDown } from './journey-figures';
import type { ConversationFact, JourneyQuery, OrderFact } from './journey-figures';

const query: JourneyQuery = {
  from: '2026-03-01T00:00:00.000Z',
  to: '2026-04-01T00:00:00.000Z',
  timeZone: 'UTC',
  conversionDays: 7,
  contactDays: 30,
};
let n = 0;
const conversation = (
  contactId: string,
  channel: string,
  at: string,
  conversationId = `conv-${++n}`,
): ConversationFact => ({
  id: `e-${++n}`,
  conversationId,
  contactId,
  channel,
  at,
});
const order = (contactId: string, at: string): OrderFact => ({ id: `o-${++n}`, contactId, at });

describe('journey figures', () => {
  it('counts the channel mix and a switch each time a customer comes back on another channel', () => {
    // Ann: web chat, then e-mail (switch), then e-mail again (no switch). Bob: one WeChat conversation.
    const conversations = [
      conversation('ann', 'web-chat', '2026-03-02T10:00:00.000Z'),
      conversation('ann', 'email', '2026-03-03T10:00:00.000Z'),
      conversation('ann', 'email', '2026-03-04T10:00:00.000Z'),
      conversation('bob', 'wechat', '2026-03-05T10:00:00.000Z'),
    ];
    const [row] = computeJourneyFigures(conversations, [], query);
    expect(row).toMatchObject({
      conversations: 4,
      byChannel: { email: 2, 'web-chat': 1, wechat: 1 },
      channelMix: { email: 0.5, 'web-chat': 0.25, wechat: 0.25 },
      journeys: 2,
      multiChannelJourneys: 1,
      channelSwitches: 1,
      switchesPerJourney: 0.5,
    });
  });

  it('measures a switch from the previous conversation even when it was before the range', () => {
    const conversations = [
      conversation('ann', 'phone', '2026-02-20T10:00:00.000Z'),
      conversation('ann', 'web-chat', '2026-03-02T10:00:00.000Z'),
    ];
    const [row] = computeJourneyFigures(conversations, [], query);
    expect(row).toMatchObject({ conversations: 1, channelSwitches: 1, multiChannelJourneys: 0 });
  });

  it('counts a conversation attributed twice (a redelivery, a call started and ended) once, at its first attribution', () => {
    const first = conversation('ann', 'phone', '2026-03-02T10:00:00.000Z', 'call-1');
    const again = { ...conversation('ann', 'phone', '2026-03-02T10:05:00.000Z', 'call-1') };
    const [row] = computeJourneyFigures([again, first, first], [], query);
    expect(row).toMatchObject({ conversations: 1, journeys: 1 });
    expect(journeyDrillDown([again, first], [], { ...query, figure: 'conversations' })).toEqual([
      { key: {}, contactId: 'ann', conversationId: 'call-1', events: [first.id] },
    ]);
  });

  it('converts a pre-sale conversation when an order follows within the window, in the conversation’s period', () => {
    // Ann asks on 30 March and orders on 2 April: March converts, though the order is April's.
    // Bob asks on 10 March and orders 8 days later: too late for a 7-day window.
    // Cai had ordered in February: her March conversation is post-sale.
    const ann = conversation('ann', 'web-chat', '2026-03-30T10:00:00.000Z');
    const annOrder = order('ann', '2026-04-02T09:00:00.000Z');
    const conversations = [
      ann,
      conversation('bob', 'email', '2026-03-10T10:00:00.000Z'),
      conversation('cai', 'app', '2026-03-10T10:00:00.000Z'),
    ];
    const orders = [
      annOrder,
      order('bob', '2026-03-18T10:00:01.000Z'),
      order('cai', '2026-02-01T10:00:00.000Z'),
    ];
    const rows = computeJourneyFigures(conversations, orders, { ...query, period: 'month' });
    expect(rows.map((r) => [r.key.period, r.preSale, r.converted, r.conversionRate, r.orders])).toEqual([
      ['2026-03', 2, 1, 0.5, 1],
    ]);
    expect(journeyDrillDown(conversations, orders, { ...query, figure: 'converted' })).toEqual([
      { key: {}, contactId: 'ann', conversationId: ann.conversationId, events: [ann.id, annOrder.id] },
    ]);
  });

  it('counts an order as contacted when its customer starts a conversation within the window after it', () => {
    const orders = [order('ann', '2026-03-01T10:00:00.000Z'), order('bob', '2026-03-02T10:00:00.000Z')];
    const conversations = [
      conversation('ann', 'phone', '2026-03-20T10:00:00.000Z'),
      conversation('bob', 'email', '2026-04-05T10:00:00.000Z'),
    ];
    const [row] = computeJourneyFigures(conversations, orders, { ...query, contactDays: 14 });
    // Ann called 19 days after her order: not within 14 days. Bob wrote in April, 34 days after: no.
    expect(row).toMatchObject({ orders: 2, contactedOrders: 0, contactRate: 0 });
    const [wider] = computeJourneyFigures(conversations, orders, { ...query, contactDays: 40 });
    expect(wider).toMatchObject({ orders: 2, contactedOrders: 2, contactRate: 1 });
  });

  it('reads a merged contact as its survivor: one journey, and the order of either converts', () => {
    const conversations = [
      conversation('visitor', 'web-chat', '2026-03-02T10:00:00.000Z'),
      conversation('ann', 'email', '2026-03-03T10:00:00.000Z'),
    ];
    const orders = [order('ann', '2026-03-04T10:00:00.000Z')];
    const survivorOf = (id: string) => (id === 'visitor' ? 'ann' : id);
    const [row] = computeJourneyFigures(conversations, orders, query, survivorOf);
    expect(row).toMatchObject({ journeys: 1, channelSwitches: 1, preSale: 2, converted: 2, orders: 1 });
  });

  it('gives the same rows whatever order the facts come in', () => {
    const conversations = [
      conversation('ann', 'web-chat', '2026-03-02T10:00:00.000Z'),
      conversation('ann', 'email', '2026-03-02T10:00:00.000Z'),
      conversation('bob', 'app', '2026-03-09T23:30:00.000Z'),
    ];
    const orders = [order('bob', '2026-03-10T01:00:00.000Z')];
    const q = { ...query, period: 'day' as const, timeZone: 'Asia/Shanghai' };
    const forward = JSON.stringify(computeJourneyFigures(conversations, orders, q));
    expect(JSON.stringify(computeJourneyFigures([...conversations].reverse(), orders, q))).toBe(forward);
    // Bob's 23:30 UTC conversation is on 10 March in Shanghai.
    expect(computeJourneyFigures(conversations, orders, q).map((r) => r.key.period)).toEqual([
      '2026-03-02',
      '2026-03-10',
    ]);
  });

  it('counts a lasting thread once per episode: the customer writing again after a day of silence is a new contact', () => {
    // Ann's one WeChat thread: January, then she orders on 1 March and writes again on 5 March.
    const conversations = [
      conversation('ann', 'wechat', '2026-01-10T10:00:00.000Z', 'thread'),
      conversation('ann', 'wechat', '2026-01-10T10:30:00.000Z', 'thread'),
      conversation('ann', 'wechat', '2026-03-05T09:00:00.000Z', 'thread'),
      conversation('ann', 'wechat', '2026-03-05T20:00:00.000Z', 'thread'),
    ];
    const orders = [order('ann', '2026-03-01T10:00:00.000Z')];
    const [row] = computeJourneyFigures(conversations, orders, query);
    expect(row).toMatchObject({
      conversations: 1,
      preSale: 0,
      orders: 1,
      contactedOrders: 1,
      contactRate: 1,
    });
    const all = computeJourneyFigures(conversations, orders, { ...query, from: '2026-01-01T00:00:00.000Z' });
    // January's episode was pre-sale and is not converted (the order came 50 days later).
    expect(all[0]).toMatchObject({ conversations: 2, preSale: 1, converted: 0 });
  });

  it('counts an order the shop reported again, to a contact since merged, once', () => {
    const first = { ...order('visitor', '2026-03-02T10:00:00.000Z'), report: 'shop-order-9' };
    const again = { ...order('ann', '2026-03-02T10:00:00.000Z'), report: 'shop-order-9' };
    const survivorOf = (id: string) => (id === 'visitor' ? 'ann' : id);
    expect(computeJourneyFigures([], [first, again], query, survivorOf)[0]).toMatchObject({ orders: 1 });
    // Unmerged, they are two customers' orders.
    expect(computeJourneyFigures([], [first, again], query)[0]).toMatchObject({ orders: 2 });
  });
});
