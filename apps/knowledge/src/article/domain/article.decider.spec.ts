import { articleDecider, isOutdated } from './article.decider';
import type { ArticleCommand, ArticleEvent, ArticleState } from './article.decider';

const id = '7d3c1a52-1f0e-4b7a-9c1e-2a8f0b6d4e11';
const t0 = '2026-11-24T10:00:00.000Z';
const content = (title: string, body = 'body') => ({ title, body, tags: ['returns'] });

function run(commands: ArticleCommand[]): { state: ArticleState; events: ArticleEvent[]; last: unknown } {
  let state = articleDecider.initialState();
  const events: ArticleEvent[] = [];
  let last: unknown;
  for (const c of commands) {
    last = articleDecider.decide(c, state);
    if (Array.isArray(last)) {
      events.push(...last);
      state = last.reduce(articleDecider.evolve, state);
    }
  }
  return { state, events, last };
}

const create: ArticleCommand = {
  kind: 'create',
  articleId: id,
  sourceLocale: 'en',
  owner: 'olga',
  products: ['parcel-locker'],
  audience: 'public',
  reviewIntervalDays: 90,
  content: content('How to return an item'),
  by: 'ann',
  now: t0,
};
const review = (by = 'ann', reviewers = ['rob']): ArticleCommand => ({
  kind: 'request-review',
  locale: 'en',
  reviewers,
  by,
  now: t0,
});
const approve = (by = 'rob', locale: 'en' | 'zh-CN' = 'en'): ArticleCommand => ({
  kind: 'approve',
  locale,
  by,
  now: t0,
});
const publish = (now = t0, locale: 'en' | 'zh-CN' = 'en'): ArticleCommand => ({
  kind: 'publish',
  locale,
  skipReview: false,
  by: 'olga',
  now,
});

describe('the article decider', () => {
  it('creates an article with its first revision in the source locale, once', () => {
    const { events } = run([create]);
    expect(events.map((e) => e.type)).toEqual([
      'knowledge.article-created.v1',
      'knowledge.article-revised.v1',
    ]);
    expect(events[1]?.data).toMatchObject({
      locale: 'en',
      revision: 1,
      title: 'How to return an item',
      author: 'ann',
    });
    expect(run([create, create]).last).toEqual({ rejected: true, reason: 'the article already exists' });
  });

  it('goes draft → in review → approved → published, and only a named reviewer who is not the author approves', () => {
    expect(run([create, publish()]).last).toMatchObject({
      reason: expect.stringContaining('not been approved'),
    });
    expect(run([create, approve()]).last).toMatchObject({ reason: expect.stringContaining('not in review') });
    expect(run([create, review('ann', ['ann', 'rob']), approve('ann')]).last).toMatchObject({
      reason: 'an author cannot approve their own revision',
    });
    expect(run([create, review(), approve('eve')]).last).toMatchObject({
      reason: 'only a reviewer named on the request may approve',
    });
    const { state, events } = run([create, review(), approve(), publish()]);
    const published = events.at(-1);
    expect(published).toMatchObject({
      type: 'knowledge.article-published.v1',
      data: {
        revision: 1,
        title: 'How to return an item',
        body: 'body',
        reviewBy: '2027-02-22T10:00:00.000Z',
      },
    });
    expect(state.locales.get('en')?.published?.revision).toBe(1);
  });

  it('sends a revision back to draft when a reviewer asks for changes; an admin may publish without review', () => {
    const back = run([
      create,
      review(),
      { kind: 'request-changes', locale: 'en', note: 'add the fee', by: 'rob', now: t0 },
    ]);
    expect(back.state.locales.get('en')?.status).toBe('draft');
    const direct = run([create, { kind: 'publish', locale: 'en', skipReview: true, by: 'admin', now: t0 }]);
    expect(direct.events.at(-1)?.type).toBe('knowledge.article-published.v1');
  });

  it('refuses an edit started from a revision that is no longer the latest (two editors at once)', () => {
    const edit = (base: number): ArticleCommand => ({
      kind: 'revise',
      locale: 'en',
      content: content('Returns'),
      baseRevision: base,
      by: 'ann',
      now: t0,
    });
    const { last, state } = run([create, edit(1), edit(1)]);
    expect(last).toMatchObject({
      reason: 'revision 2 of en was saved after revision 1 that this edit started from',
    });
    expect(state.locales.get('en')?.latest).toBe(2);
  });

  it('publishes a scheduled revision at its time, not before, and an edit cancels the schedule', () => {
    const schedule: ArticleCommand = {
      kind: 'schedule',
      locale: 'en',
      publishAt: '2026-11-25T08:00:00.000Z',
      by: 'olga',
      now: t0,
    };
    const early: ArticleCommand = {
      kind: 'publish-scheduled',
      locale: 'en',
      now: '2026-11-25T07:59:00.000Z',
    };
    const due: ArticleCommand = { kind: 'publish-scheduled', locale: 'en', now: '2026-11-25T08:00:01.000Z' };
    expect(run([create, review(), approve(), schedule, early]).last).toEqual([]);
    expect(run([create, review(), approve(), schedule, due]).last).toMatchObject([
      { type: 'knowledge.article-published.v1', data: { scheduled: true, by: 'scheduler' } },
    ]);
    const edited = run([
      create,
      review(),
      approve(),
      schedule,
      { kind: 'revise', locale: 'en', content: content('Returns v2'), by: 'ann', now: t0 },
      due,
    ]);
    expect(edited.events.map((e) => e.type)).toContain('knowledge.publish-scheduled.v1');
    expect(edited.last).toEqual([]);
    expect(edited.state.locales.get('en')?.published).toBeUndefined();
  });

  it('flags a published locale as stale once past its review-by date, once; verifying moves the date on', () => {
    const base = [create, review(), approve(), publish()];
    const flag = (now: string): ArticleCommand => ({ kind: 'flag-stale', locale: 'en', now });
    expect(run([...base, flag('2027-02-22T09:59:00.000Z')]).last).toEqual([]);
    const flagged = run([...base, flag('2027-02-22T10:00:01.000Z')]);
    expect(flagged.last).toMatchObject([
      {
        type: 'knowledge.article-flagged-stale.v1',
        data: { owner: 'olga', reviewBy: '2027-02-22T10:00:00.000Z' },
      },
    ]);
    expect(run([...base, flag('2027-02-22T10:00:01.000Z'), flag('2027-02-23T00:00:00.000Z')]).last).toEqual(
      [],
    );
    const verified = run([
      ...base,
      flag('2027-02-22T10:00:01.000Z'),
      { kind: 'verify', locale: 'en', by: 'olga', now: '2027-02-23T00:00:00.000Z' },
    ]);
    expect(verified.state.locales.get('en')).toMatchObject({
      stale: false,
      published: { reviewBy: '2027-05-24T00:00:00.000Z' },
    });
  });

  it('marks a translation out of date when its source is published again after it was translated', () => {
    const translate: ArticleCommand = {
      kind: 'revise',
      locale: 'zh-CN',
      content: content('如何退货'),
      by: 'li',
      now: t0,
    };
    const zhReview: ArticleCommand = {
      kind: 'request-review',
      locale: 'zh-CN',
      reviewers: ['rob'],
      by: 'li',
      now: t0,
    };
    const base = [
      create,
      review(),
      approve(),
      publish(),
      translate,
      zhReview,
      approve('rob', 'zh-CN'),
      publish(t0, 'zh-CN'),
    ];
    const fresh = run(base);
    expect(
      fresh.events.find((e) => e.type === 'knowledge.article-revised.v1' && e.data.locale === 'zh-CN')?.data,
    ).toMatchObject({
      sourceRevision: 1,
    });
    expect(isOutdated(fresh.state, 'zh-CN')).toBe(false);
    const stale = run([
      ...base,
      {
        kind: 'revise',
        locale: 'en',
        content: content('How to return an item (new fee)'),
        by: 'ann',
        now: t0,
      },
      review(),
      approve(),
      publish(),
    ]);
    expect(isOutdated(stale.state, 'zh-CN')).toBe(true);
  });

  it('stops every command once archived, and unpublishes every locale', () => {
    const { state, last } = run([
      create,
      review(),
      approve(),
      publish(),
      { kind: 'archive', by: 'olga', now: t0 },
      { kind: 'revise', locale: 'en', content: content('x'), by: 'ann', now: t0 },
    ]);
    expect(last).toEqual({ rejected: true, reason: 'the article is archived' });
    expect(state.locales.get('en')?.published).toBeUndefined();
  });
});
