import type { SearchHit } from '../../search/domain/article-index';
import { decideAnswer, historyOf, mentions, NO_HISTORY } from './answer-decision';
import type { AnswerInput, AnswerPolicy } from './answer-decision';

const policy: AnswerPolicy = {
  enabled: true,
  threshold: 0.8,
  humanOnlyVipTiers: ['gold', 'platinum'],
  products: [{ product: 'x-phone', flags: ['new'], names: ['X Phone', '新手机'] }],
  personPhrases: ['人工', 'agent', 'real person'],
};
const hit = (over: Partial<SearchHit> = {}): SearchHit => ({
  articleId: '00000000-0000-4000-8000-000000000001',
  locale: 'en',
  title: 'Returns',
  audience: 'public',
  products: [],
  tags: [],
  score: 10,
  confidence: 0.9,
  highlights: { title: 'Returns', snippet: '' },
  stale: false,
  outdated: false,
  ...over,
});
const input = (over: Partial<AnswerInput> = {}): AnswerInput => ({
  text: 'how do I return a parcel',
  policy,
  history: NO_HISTORY,
  customer: {},
  hits: [hit()],
  answerable: over.hits ?? [hit()],
  ...over,
});
const decided = (decision: 'answered' | 'handed-off', reasons: string[], messageId = 'm1') =>
  ({ messageId, decision, reasons }) as never;

describe('auto-answer decision', () => {
  it('answers a confident match for a known standard customer, with the suggestions', () => {
    const outcome = decideAnswer(input({ customer: { vipTier: 'standard' } }));
    expect(outcome).toMatchObject({ decision: 'answered', reasons: ['confident-match'], confidence: 0.9 });
    expect(outcome.answer?.articleId).toBe(hit().articleId);
    expect(outcome.suggestions).toHaveLength(1);
  });

  it.each([
    ['below-threshold', input({ hits: [hit({ confidence: 0.79 })] })],
    ['no-suggestion', input({ hits: [] })],
    ['no-text', input({ text: '  ' })],
    ['customer-unknown', input({ customer: undefined })],
    ['vip-customer', input({ customer: { vipTier: 'gold' } })],
    ['flagged-product', input({ text: 'return my x phone' })],
    ['flagged-product', input({ text: '新手机怎么退货' })],
    ['flagged-product', input({ hits: [hit({ products: ['x-phone'] })] })],
    ['asked-for-person', input({ text: 'I want a REAL person' })],
    ['asked-for-person', input({ text: '转人工' })],
    ['asked-for-person', input({ text: 'agents please' })],
    ['auto-answer-off', input({ policy: { ...policy, enabled: false } })],
    ['answered-last-time', input({ history: historyOf([decided('answered', ['confident-match'])]) })],
    ['handed-off-earlier', input({ history: historyOf([decided('handed-off', ['below-threshold'])]) })],
    ['message-too-old', input({ tooOld: true })],
    ['vip-customer', input({ customer: {}, policy: { ...policy, humanOnlyVipTiers: ['standard'] } })],
    [
      'asked-for-person-earlier',
      input({
        history: historyOf([decided('handed-off', ['asked-for-person']), decided('answered', [], 'm2')]),
      }),
    ],
  ])('hands off with %s', (reason, given) => {
    const outcome = decideAnswer(given);
    expect(outcome.decision).toBe('handed-off');
    expect(outcome.reasons).toContain(reason);
    expect(outcome.answer).toBeUndefined();
  });

  it('answers from what the customer may read, and suggests every audience to the agent', () => {
    const internal = hit({ audience: 'internal', articleId: '00000000-0000-4000-8000-000000000002' });
    const vip = hit({ audience: 'vip', articleId: '00000000-0000-4000-8000-000000000003' });
    // The customer-readable search found nothing; the agents' found two.
    const outcome = decideAnswer(input({ hits: [internal, vip], answerable: [] }));
    expect(outcome.reasons).toEqual(['no-suggestion']);
    expect(outcome.suggestions.map((s) => s.articleId)).toEqual([internal.articleId, vip.articleId]);
    // An answerable list that holds an internal article by mistake still never quotes it.
    expect(decideAnswer(input({ hits: [internal], answerable: [internal] })).decision).toBe('handed-off');
    const forSilver = decideAnswer(
      input({ hits: [internal, vip], answerable: [vip], customer: { vipTier: 'silver' } }),
    );
    expect(forSilver.answer?.articleId).toBe(vip.articleId);
  });

  it('answers exactly at the threshold, not below it', () => {
    expect(decideAnswer(input({ hits: [hit({ confidence: 0.8 })] })).decision).toBe('answered');
    expect(decideAnswer(input({ hits: [hit({ confidence: 0.799 })] })).reasons).toEqual(['below-threshold']);
  });

  it('keeps a conversation with a person once it was handed off, whatever the reason', () => {
    const history = historyOf([
      decided('answered', ['confident-match']),
      decided('handed-off', ['answered-last-time'], 'm2'),
    ]);
    expect(decideAnswer(input({ history })).reasons).toEqual(['handed-off-earlier']);
    expect(history.decided).toEqual(new Set(['m1', 'm2']));
  });

  it('finds person phrases as words, folded, not inside other words', () => {
    expect(mentions('need an agent now', 'Agent')).toBe(true);
    expect(mentions('check the agenda', 'agent')).toBe(false);
    // The caller folds the message (traditional to simplified); the phrase is folded here.
    expect(mentions('我要转人工', '轉人工')).toBe(true);
  });
});
