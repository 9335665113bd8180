import fc from 'fast-check';
import { decideOnStoredEvents, playDecider } from '@journey/eventstore';
import { journeyCatalogue } from '@journey/contracts';
import type { KnowledgeLocale } from '@journey/contracts';
import { articleDecider } from './article.decider';
import type { ArticleCommand, ArticleEvent, ArticleState } from './article.decider';

// Properties of the article decider over any sequence of editorial commands, at any pace: what the
// knowledge base relies on (revisions of a locale are numbered 1, 2, 3…; what readers see was approved by a
// named reviewer who did not write it, unless an admin skipped review; a translation names a source
// revision that exists; an archived article takes nothing more; a stream read back from the store decides
// as the state kept in memory; every event fits its contract; a redelivery changes nothing).
const A = '7d3c1a52-1f0e-4b7a-9c1e-2a8f0b6d4e11';
const t0 = Date.parse('2026-11-24T10:00:00.000Z');
const HOUR = 3_600_000;
const locale = fc.constantFrom<KnowledgeLocale>('en', 'en', 'zh-CN');
/** Writers and reviewers overlap (li is both), so that some approvals come from the author. */
const author = fc.constantFrom('ann', 'li');
const reviewer = fc.constantFrom('rob', 'li');
const person = fc.constantFrom('ann', 'rob', 'li');
const content = fc.record({
  title: fc.constantFrom('How to return an item', '如何退货', 'Returns <& fees>'),
  body: fc.constantFrom('Send it back within **14 days**.', '七天无理由退货', ''),
  tags: fc.constantFrom<string[]>([], ['returns']),
});

/** A command without its time (the handler adds it), from small pools of people, locales and contents. */
type Untimed = ArticleCommand extends infer C ? (C extends ArticleCommand ? Omit<C, 'now'> : never) : never;
const command: fc.Arbitrary<Untimed> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc
      .record({ content, by: author, reviewIntervalDays: fc.constantFrom(1, 90) })
      .map((c): Untimed => ({
        kind: 'create',
        articleId: A,
        sourceLocale: 'en',
        owner: 'olga',
        products: [],
        audience: 'public',
        ...c,
      })),
  },
  {
    weight: 6,
    arbitrary: fc
      .record(
        { locale, content, by: author, baseRevision: fc.integer({ min: 0, max: 3 }) },
        { requiredKeys: ['locale', 'content', 'by'] },
      )
      .map((r): Untimed => ({ kind: 'revise', ...r })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record(
        {
          owner: person,
          audience: fc.constantFrom('internal' as const),
          reviewIntervalDays: fc.constantFrom(1, 30),
        },
        { requiredKeys: [] },
      )
      .map((r): Untimed => ({ kind: 'classify', ...r, by: 'olga' })),
  },
  {
    weight: 8,
    arbitrary: fc
      .record({ locale, by: author, reviewers: fc.uniqueArray(reviewer, { minLength: 1, maxLength: 2 }) })
      .map((r): Untimed => ({ kind: 'request-review', ...r })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ locale, by: person, n: fc.integer({ min: 1, max: 3 }) })
      .map(({ n, ...r }): Untimed => ({
        kind: 'comment',
        commentId: `00000000-0000-4000-8000-00000000000${n}`,
        text: 'add the fee',
        ...r,
      })),
  },
  {
    weight: 10,
    arbitrary: fc.record({ locale, by: person }).map((r): Untimed => ({ kind: 'approve', ...r })),
  },
  {
    weight: 2,
    arbitrary: fc.record({ locale, by: reviewer }).map((r): Untimed => ({ kind: 'request-changes', ...r })),
  },
  {
    weight: 6,
    arbitrary: fc
      .record({ locale, skipReview: fc.boolean(), by: fc.constantFrom('olga', 'admin') })
      .map((r): Untimed => ({ kind: 'publish', ...r })),
  },
  {
    weight: 5,
    // publishAt is filled in hours from the command's time (placeholder below: the number of hours).
    arbitrary: fc.record({ locale, hours: fc.constantFrom(-1, 2, 30) }).map(({ locale, hours }): Untimed => ({
      kind: 'schedule',
      locale,
      publishAt: String(hours),
      by: 'olga',
    })),
  },
  { weight: 1, arbitrary: locale.map((l): Untimed => ({ kind: 'cancel-schedule', locale: l, by: 'olga' })) },
  { weight: 4, arbitrary: locale.map((l): Untimed => ({ kind: 'publish-scheduled', locale: l })) },
  { weight: 2, arbitrary: locale.map((l): Untimed => ({ kind: 'unpublish', locale: l, by: 'olga' })) },
  { weight: 2, arbitrary: locale.map((l): Untimed => ({ kind: 'verify', locale: l, by: 'olga' })) },
  { weight: 2, arbitrary: locale.map((l): Untimed => ({ kind: 'flag-stale', locale: l })) },
  { weight: 1, arbitrary: fc.constant<Untimed>({ kind: 'archive', by: 'olga' }) },
);

/** A command and the hours that pass before it (a schedule or a review-by date may come due meanwhile). */
const timed = fc.tuple(fc.constantFrom(0, 0, 1, 3, 26, 24 * 40), command);
const creating = command.filter((c) => c.kind === 'create');
/** Mostly an article that exists (created first), so that most commands reach its rules. */
const commands = fc
  .tuple(
    fc.option(creating, { freq: 8, nil: undefined }),
    fc.array(timed, { minLength: 1, maxLength: 30, size: 'max' }),
  )
  .map(([first, rest]): [number, Untimed][] => (first ? [[0, first], ...rest] : rest));

interface Step {
  command: ArticleCommand;
  before: ArticleState;
  outcome: ArticleEvent[] | 'rejected';
}

/** Runs the commands as the handler does: with their time, decided on everything stored so far. */
function play(timedCommands: [number, Untimed][]) {
  let now = t0;
  const played = playDecider(articleDecider, timedCommands, ([hours, untimed]) => {
    now += hours * HOUR;
    const at = new Date(now).toISOString();
    return (
      untimed.kind === 'schedule'
        ? { ...untimed, publishAt: new Date(now + Number(untimed.publishAt) * HOUR).toISOString(), now: at }
        : { ...untimed, now: at }
    ) as ArticleCommand;
  });
  return { ...played, now };
}

const outcomeOf = (s: Step) => (s.outcome === 'rejected' ? 'rejected' : s.outcome.map((e) => e.type));

describe('the article decider, for any sequence of commands', () => {
  it('decides every command on a stream read back from the store as on the state kept in memory', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const played = play(cs);
        const fromStore = decideOnStoredEvents(articleDecider, played, (step, outcome) =>
          expect({ kind: step.command.kind, outcome }).toEqual({
            kind: step.command.kind,
            outcome: step.outcome,
          }),
        );
        expect(fromStore).toEqual(played.state);
      }),
      { numRuns: 200 },
    );
  });

  it('emits only events that fit their contract (the handler appends nothing else)', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const problems = play(cs)
          .history.map((e) => journeyCatalogue.check(e.type, e.data))
          .filter((p) => p !== undefined);
        expect(problems).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('numbers the revisions of each locale 1, 2, 3… and a translation after a source revision that exists', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const latest = new Map<string, number>();
        for (const e of play(cs).history) {
          if (e.type !== 'knowledge.article-revised.v1') continue;
          expect(e.data.revision).toBe((latest.get(e.data.locale) ?? 0) + 1);
          latest.set(e.data.locale, e.data.revision);
          if (e.data.locale === 'en') expect(e.data.sourceRevision).toBeUndefined();
          else {
            expect(e.data.sourceRevision).toBeGreaterThanOrEqual(1);
            expect(e.data.sourceRevision).toBeLessThanOrEqual(latest.get('en') ?? 0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('approves only by a reviewer named on the request who did not write the revision, and only what is in review', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        for (const { command: c, before, outcome } of play(cs).steps) {
          if (c.kind !== 'approve' || outcome === 'rejected') continue;
          const l = before.locales.get(c.locale);
          expect(l?.status).toBe('in-review');
          expect(l?.reviewers).toContain(c.by);
          expect(l?.author).not.toBe(c.by);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('publishes the latest revision of a locale only once approved (or when an admin skips review), and not twice', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        for (const { command: c, before, outcome } of play(cs).steps) {
          if (outcome === 'rejected') continue;
          for (const e of outcome) {
            if (e.type !== 'knowledge.article-published.v1') continue;
            const l = before.locales.get(e.data.locale);
            expect(e.data.revision).toBe(l?.latest);
            expect(l?.published?.revision).not.toBe(e.data.revision);
            if (!(c.kind === 'publish' && c.skipReview)) expect(l?.status).toBe('approved');
            expect({ title: e.data.title, body: e.data.body, tags: e.data.tags }).toEqual(l?.content);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('takes nothing once archived, and has nothing published or scheduled after', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const { steps, state } = play(cs);
        for (const step of steps.filter((s) => s.before.archived))
          expect({ kind: step.command.kind, outcome: outcomeOf(step) }).toEqual({
            kind: step.command.kind,
            outcome: 'rejected',
          });
        if (state.archived)
          for (const l of state.locales.values())
            expect([l.published, l.scheduled]).toEqual([undefined, undefined]);
      }),
      { numRuns: 300 },
    );
  });

  it('changes nothing when a workflow command is decided again right after (a redelivery)', () => {
    const redeliverable = new Set<ArticleCommand['kind']>([
      'create',
      'request-review',
      'approve',
      'request-changes',
      'publish',
      'cancel-schedule',
      'publish-scheduled',
      'unpublish',
      'archive',
      'flag-stale',
    ]);
    fc.assert(
      fc.property(commands, (cs) => {
        const { state, steps } = play(cs);
        const last = (steps[steps.length - 1] as Step).command;
        if (!redeliverable.has(last.kind)) return;
        const again = articleDecider.decide(last, state);
        expect({ kind: last.kind, events: Array.isArray(again) ? again : [] }).toEqual({
          kind: last.kind,
          events: [],
        });
      }),
      { numRuns: 500 },
    );
  });

  // Found by this property and fixed (article.decider.ts, schedule): a schedule is accepted for the approved revision even when that
  // revision is already published, but when it comes due publish-scheduled refuses it ("revision 1 is
  // already published") and keeps the schedule, so the scheduler retries it at every tick, for ever.
  // Counterexample: create, request-review (reviewers rob), approve by rob, publish, schedule in 2 hours;
  // publish-scheduled 3 hours later → rejected, and the locale stays scheduled.
  it('publishes whatever it accepted to schedule once the time comes (the scheduler is never refused)', () => {
    const create: Untimed = {
      kind: 'create',
      articleId: A,
      sourceLocale: 'en',
      owner: 'olga',
      products: [],
      audience: 'public',
      reviewIntervalDays: 90,
      content: { title: 'Returns', body: '', tags: [] },
      by: 'ann',
    };
    const published: [number, Untimed][] = [
      [0, create],
      [0, { kind: 'request-review', locale: 'en', reviewers: ['rob'], by: 'ann' }],
      [0, { kind: 'approve', locale: 'en', by: 'rob' }],
      [0, { kind: 'publish', locale: 'en', skipReview: false, by: 'olga' }],
      [0, { kind: 'schedule', locale: 'en', publishAt: '2', by: 'olga' }],
    ];
    fc.assert(
      fc.property(commands, (cs) => {
        const { state, now } = play(cs);
        for (const [l, ls] of state.locales) {
          if (!ls.scheduled || state.archived) continue;
          const due = new Date(Math.max(now, Date.parse(ls.scheduled.publishAt)) + 1000).toISOString();
          const decided = articleDecider.decide({ kind: 'publish-scheduled', locale: l, now: due }, state);
          expect(Array.isArray(decided) ? decided.map((e) => e.type) : decided).toEqual([
            'knowledge.article-published.v1',
          ]);
        }
      }),
      { numRuns: 300, examples: [[published]] },
    );
  });
});
