import { computeKnowledgeFigures, contentGaps, knowledgeDrillDown } from './knowledge-figures';
import type { KnowledgeFact, KnowledgeQuery } from './knowledge-figures';

const query: KnowledgeQuery = {
  from: '2026-03-01T00:00:00.000Z',
  to: '2026-04-01T00:00:00.000Z',
  by: [],
  timeZone: 'UTC',
  where: {},
};
let n = 0;
const id = () => `e-${String(++n).padStart(3, '0')}`;
const answer = (
  conversationId: string,
  decision: 'answered' | 'handed-off',
  at: string,
  reasons: string[] = [decision === 'answered' ? 'confident-match' : 'below-threshold'],
  channel = 'web-chat',
): KnowledgeFact => ({ id: id(), k: 'answer', conversationId, decision, reasons, channel, at });
const search = (
  q: string,
  outcome: 'none' | 'poor' | 'found',
  at: string,
  channel = 'portal',
): KnowledgeFact => ({
  id: id(),
  k: 'search',
  query: q,
  outcome,
  channel,
  at,
});

describe('knowledge figures', () => {
  it('deflects a conversation only when nothing human followed the automatic answer', () => {
    const facts = [
      // c1: answered, nothing after → deflected.
      answer('c1', 'answered', '2026-03-02T10:00:00.000Z'),
      // c2: answered, then the customer asked for a person → handed off later: not deflected.
      answer('c2', 'answered', '2026-03-02T11:00:00.000Z'),
      answer('c2', 'handed-off', '2026-03-02T11:05:00.000Z', ['asked-for-person']),
      // c3: answered, then an agent replied on its ticket: not deflected.
      answer('c3', 'answered', '2026-03-02T12:00:00.000Z'),
      // c4: handed off at once (VIP): a hand-off, not answered.
      answer('c4', 'handed-off', '2026-03-02T13:00:00.000Z', ['vip-customer', 'below-threshold']),
    ];
    const humanReplies = (conversationId: string) =>
      conversationId === 'c3' ? ['2026-03-02T12:30:00.000Z'] : [];
    const [row] = computeKnowledgeFigures(facts, query, humanReplies);
    expect(row).toMatchObject({
      conversations: 4,
      answeredConversations: 3,
      deflected: 1,
      deflectionRate: 0.25,
      answers: 5,
      handOffs: 2,
      handOffReasons: { 'asked-for-person': 1, 'below-threshold': 1, 'vip-customer': 1 },
    });
    expect(knowledgeDrillDown(facts, { ...query, figure: 'deflected' }, humanReplies)).toEqual([
      { key: {}, conversationId: 'c1', events: [facts[0]?.id] },
    ]);
  });

  it('does not take a human reply before the automatic answer against it', () => {
    const facts = [answer('c1', 'answered', '2026-03-02T10:00:00.000Z')];
    const [row] = computeKnowledgeFigures(facts, query, () => ['2026-03-02T09:00:00.000Z']);
    expect(row).toMatchObject({ deflected: 1 });
  });

  it('counts a conversation in the period of its first decision, and a duplicate decision once', () => {
    const first = answer('c1', 'handed-off', '2026-03-31T23:00:00.000Z');
    const later = answer('c1', 'answered', '2026-04-01T01:00:00.000Z');
    const rows = computeKnowledgeFigures([later, first, first], {
      ...query,
      to: '2026-05-01T00:00:00.000Z',
      period: 'month',
    });
    expect(rows.map((r) => [r.key.period, r.conversations, r.answers, r.handOffs, r.deflected])).toEqual([
      ['2026-03', 1, 1, 1, 1],
      ['2026-04', 0, 1, 0, 0],
    ]);
  });

  it('counts views, searches that found nothing, feedback and update requests per channel', () => {
    const facts: KnowledgeFact[] = [
      { id: id(), k: 'view', articleId: 'a1', channel: 'widget', at: '2026-03-02T10:00:00.000Z' },
      { id: id(), k: 'view', articleId: 'a1', channel: 'portal', at: '2026-03-02T10:00:00.000Z' },
      search('退货 运费', 'none', '2026-03-02T10:00:00.000Z'),
      search('refund', 'found', '2026-03-02T10:00:00.000Z'),
      search('warranty', 'poor', '2026-03-02T10:00:00.000Z', 'widget'),
      {
        id: id(),
        k: 'feedback',
        articleId: 'a1',
        helpful: true,
        channel: 'portal',
        at: '2026-03-02T10:00:00.000Z',
      },
      {
        id: id(),
        k: 'feedback',
        articleId: 'a1',
        helpful: false,
        reason: 'outdated',
        channel: 'portal',
        at: '2026-03-02T10:00:00.000Z',
      },
      {
        id: id(),
        k: 'update-request',
        articleId: 'a1',
        requestId: 'r1',
        channel: 'portal',
        at: '2026-03-02T10:00:00.000Z',
      },
    ];
    const rows = computeKnowledgeFigures(facts, { ...query, by: ['channel'] });
    expect(
      rows.map((r) => [
        r.key.channel,
        r.views,
        r.searches,
        r.searchesNone,
        r.searchesPoor,
        r.helpful,
        r.notHelpful,
      ]),
    ).toEqual([
      ['portal', 1, 2, 1, 0, 1, 1],
      ['widget', 1, 1, 0, 1, 0, 0],
    ]);
    expect(rows[0]).toMatchObject({
      searchGapRate: 0.5,
      helpfulRate: 0.5,
      notHelpfulReasons: { outdated: 1 },
      updateRequests: 1,
    });
    const [widgetOnly] = computeKnowledgeFigures(facts, { ...query, where: { channel: 'widget' } });
    expect(widgetOnly).toMatchObject({ views: 1, searches: 1 });
  });

  it('lists the content gaps by normalised query, most frequent first', () => {
    const facts = [
      search('Return  Shipping', 'none', '2026-03-02T10:00:00.000Z'),
      search('return shipping', 'poor', '2026-03-03T10:00:00.000Z'),
      search('gift card', 'none', '2026-03-04T10:00:00.000Z'),
      search('refund', 'found', '2026-03-04T10:00:00.000Z'),
      search('return shipping', 'none', '2026-02-03T10:00:00.000Z'),
    ];
    expect(contentGaps(facts, query, 10)).toEqual([
      { query: 'return shipping', searches: 2, none: 1, poor: 1, lastAt: '2026-03-03T10:00:00.000Z' },
      { query: 'gift card', searches: 1, none: 1, poor: 0, lastAt: '2026-03-04T10:00:00.000Z' },
    ]);
    expect(contentGaps(facts, query, 1)).toHaveLength(1);
  });

  it('judges deflection within the episode: a person answering the same thread weeks later does not undo it', () => {
    const facts = [
      answer('thread', 'answered', '2026-03-02T10:00:00.000Z'),
      answer('thread', 'handed-off', '2026-03-20T10:00:00.000Z', ['asked-for-person']),
    ];
    const humanReplies = () => ['2026-03-20T10:10:00.000Z'];
    const [row] = computeKnowledgeFigures(facts, query, humanReplies);
    expect(row).toMatchObject({ conversations: 2, answeredConversations: 1, deflected: 1, handOffs: 1 });
  });
});
