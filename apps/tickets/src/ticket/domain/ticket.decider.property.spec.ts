import fc from 'fast-check';
import { asStoredInJsonb, decideOnStoredEvents, playDecider } from '@journey/eventstore';
import { journeyCatalogue } from '@journey/contracts';
import type { TicketStatus } from '@journey/contracts';
import { policyBookSchema } from '../../sla/domain/sla-policy-book';
import type { TicketRequest } from '../tickets';
import { ticketDecider } from './ticket.decider';
import type { TicketCommand, TicketContext } from './ticket.decider';
import { firedKey } from './ticket.state';
import type { TicketEvent, TicketState } from './ticket.state';

// Properties of the ticket decider over any sequence of commands, at any pace, redeliveries included: what
// the tickets service relies on (a replica that reads the stream back from the store decides as the one
// that kept it in memory; every event fits its contract; one assignee at a time; status moves only along
// its edges and a closed ticket stays closed; SLA timers fire once; a redelivery changes nothing).
const T = '0b5c7c1e-3d0f-4b7e-9a53-8f1f5c2a7d11';
const CONVERSATION = '6f1d2a9e-2b8c-4f1e-8d7a-3c5b9e0f1a22';
const uuid = (n: number, prefix = '0000') => `${prefix}0000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const t0 = Date.parse('2026-11-24T10:00:00.000Z');

const book = policyBookSchema.parse({
  calendars: [{ id: 'always', timeZone: 'UTC' }],
  policies: [
    { id: 'urgent', when: { priority: ['urgent'] }, targets: { 'first-response': 15, resolution: 240 } },
    {
      id: 'standard',
      calendarId: 'always',
      targets: { 'first-response': 60, 'next-response': 120, resolution: 1440, 'periodic-update': 90 },
      warnBeforeMinutes: 10,
      onBreach: { toGroup: 'tier-2', raisePriority: true, notifySupervisors: true },
    },
  ],
});

/** What the handler adds to a request: the time, the book, a survey when it may solve, the escalation of a timer. */
function contextFor(request: TicketRequest, state: TicketState, now: string): TicketContext {
  const ctx: TicketContext = { now, book, autoCloseDays: 4 };
  if (request.kind === 'set-status' || request.kind === 'reply')
    ctx.survey = {
      surveyId: uuid(state.solvedCount + 1, '5555'),
      token: 'tok',
      expiresAt: new Date(Date.parse(now) + 7 * 86_400_000).toISOString(),
    };
  if (request.kind === 'fire-timer' && state.policy?.policyId) {
    const policy = book.policies.find((p) => p.id === state.policy?.policyId);
    ctx.escalation = {
      ...(policy?.onWarning ? { warning: policy.onWarning } : {}),
      ...(policy?.onBreach ? { breach: policy.onBreach } : {}),
      supervisors: ['sup-1'],
    };
  }
  return ctx;
}

const agent = fc.constantFrom('a1', 'a2', 'a3');
const group = fc.constantFrom('tier-1', 'tier-2', 'billing');
const priority = fc.constantFrom('low' as const, 'normal' as const, 'high' as const, 'urgent' as const);
const openTo = fc.constantFrom('open' as const, 'pending' as const, 'on-hold' as const, 'solved' as const);

/** Requests from small pools of ids, so that redeliveries, conflicts and repeated states happen. */
const request: fc.Arbitrary<TicketRequest> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc
      .record({ imported: fc.boolean(), priority })
      .map(({ imported, priority }): TicketRequest => ({
        kind: 'open',
        ticket: {
          ticketId: T,
          origin: imported
            ? { kind: 'import', source: 'zendesk', externalId: '42' }
            : { kind: 'conversation', conversationId: CONVERSATION, channel: 'email', channelId: 'support' },
          priority,
          group: 'tier-1',
          tags: [],
          skills: [],
          openedBy: 'customer',
        },
      })),
  },
  {
    weight: 4,
    arbitrary: fc.integer({ min: 1, max: 5 }).map((n): TicketRequest => ({
      kind: 'add-customer-message',
      conversationId: CONVERSATION,
      messageId: uuid(n, '1111'),
      excerpt: 'where is it',
      at: new Date(t0).toISOString(),
    })),
  },
  {
    weight: 4,
    arbitrary: fc
      .record(
        { n: fc.integer({ min: 1, max: 4 }), authorId: agent, status: openTo, automated: fc.boolean() },
        { requiredKeys: ['n', 'authorId', 'automated'] },
      )
      .map(({ n, ...r }): TicketRequest => ({
        kind: 'reply',
        replyId: uuid(n, '2222'),
        text: 'on its way',
        attachments: [],
        ...r,
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        n: fc.integer({ min: 1, max: 4 }),
        ok: fc.boolean(),
        attempt: fc.integer({ min: 1, max: 2 }),
      })
      .map(({ n, ok, attempt }): TicketRequest =>
        ok
          ? { kind: 'reply-delivered', replyId: uuid(n, '2222'), at: new Date(t0).toISOString() }
          : {
              kind: 'reply-failed',
              replyId: uuid(n, '2222'),
              reason: 'timeout',
              attempt,
              at: new Date(t0).toISOString(),
            },
      ),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 3 }).map((n): TicketRequest => ({
      kind: 'note',
      noteId: uuid(n, '3333'),
      authorId: 'a1',
      text: 'check order',
    })),
  },
  {
    weight: 3,
    arbitrary: fc.record({ to: openTo, by: agent }).map((r): TicketRequest => ({ kind: 'set-status', ...r })),
  },
  {
    weight: 1,
    arbitrary: priority.map((p): TicketRequest => ({
      kind: 'update',
      changes: { priority: p },
      by: 'sup-1',
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 2 })
      .map((n): TicketRequest => ({ kind: 'link-contact', contactId: uuid(n, '4444') })),
  },
  {
    weight: 4,
    arbitrary: fc
      .record(
        { agentId: agent, onlyIfUnassigned: fc.boolean(), group },
        { requiredKeys: ['agentId', 'onlyIfUnassigned'] },
      )
      .map((r): TicketRequest => ({ kind: 'assign', by: 'engine', ...r })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ agentId: agent }, { requiredKeys: [] })
      .map((r): TicketRequest => ({ kind: 'unassign', reason: 'unassigned', ...r })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ toGroup: group, toAgentId: agent }, { requiredKeys: ['toGroup'] })
      .map((r): TicketRequest => ({ kind: 'transfer', note: 'refund question', by: 'a1', ...r })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ toGroup: group, raisePriority: priority }, { requiredKeys: ['toGroup'] })
      .map((r): TicketRequest => ({ kind: 'escalate', note: 'needs a specialist', by: 'a1', ...r })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({
        metric: fc.constantFrom(
          'first-response' as const,
          'next-response' as const,
          'resolution' as const,
          'periodic-update' as const,
        ),
        cycle: fc.integer({ min: 0, max: 1 }),
        timer: fc.constantFrom('warning' as const, 'breach' as const),
      })
      .map((r): TicketRequest => ({ kind: 'fire-timer', ...r })),
  },
  { weight: 1, arbitrary: fc.constant<TicketRequest>({ kind: 'auto-close' }) },
  { weight: 1, arbitrary: fc.constant<TicketRequest>({ kind: 'close', by: 'zendesk-import' }) },
  {
    weight: 1,
    arbitrary: fc
      .record({ n: fc.integer({ min: 1, max: 2 }), score: fc.integer({ min: 1, max: 5 }) })
      .map(({ n, score }): TicketRequest => ({ kind: 'rate', surveyId: uuid(n, '5555'), score })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ by: fc.constantFrom('sup-1', 'a1') }, { requiredKeys: ['by'] })
      .map(({ by }): TicketRequest => ({
        kind: 'evaluate',
        evaluationId: uuid(1, '6666'),
        rubric: 'quality-v1',
        scores: { tone: 5, accuracy: 3 },
        by,
      })),
  },
  { weight: 1, arbitrary: fc.constant<TicketRequest>({ kind: 'reconcile-sla' }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(T, uuid(9, '7777'))
      .map((intoTicketId): TicketRequest => ({ kind: 'merge-into', intoTicketId, by: 'a1' })),
  },
  {
    weight: 1,
    arbitrary: fc.constant<TicketRequest>({
      kind: 'absorb',
      mergedTicketId: uuid(8, '7777'),
      conversationId: uuid(3, '8888'),
      by: 'a1',
    }),
  },
  { weight: 1, arbitrary: fc.constant<TicketRequest>({ kind: 'erase' }) },
);

/** A request and the minutes that pass before it (often none, sometimes past an SLA target). */
const timed = fc.tuple(fc.constantFrom(0, 0, 1, 5, 30, 55, 70, 130, 1500, 6000), request);
const opening = request.filter((r) => r.kind === 'open');
/** Mostly a ticket that exists (opened first), so that most requests reach its rules. */
const requests = fc
  .tuple(
    fc.option(opening, { freq: 8, nil: undefined }),
    fc.array(timed, { minLength: 1, maxLength: 30, size: 'max' }),
  )
  .map(([first, rest]): [number, TicketRequest][] => (first ? [[0, first], ...rest] : rest));

interface Step {
  command: TicketCommand;
  before: TicketState;
  outcome: TicketEvent[] | 'rejected';
}

/** Runs the requests as the handler does: complete with the context, decide on everything stored so far, store it. */
function play(timedRequests: [number, TicketRequest][]) {
  let now = t0;
  return playDecider(ticketDecider, timedRequests, ([minutes, r], state) => {
    now += minutes * 60_000;
    return { ...r, ctx: contextFor(r, state, new Date(now).toISOString()) } as TicketCommand;
  });
}

const outcomeOf = (s: Step) => (s.outcome === 'rejected' ? 'rejected' : s.outcome.map((e) => e.type));

describe('the ticket decider, for any sequence of commands', () => {
  it('folds a stream read back from the store to the state kept in memory', () => {
    fc.assert(
      fc.property(requests, (rs) => {
        const { history, state } = play(rs);
        const fromStore = history
          .map((e) => asStoredInJsonb(e) as TicketEvent)
          .reduce(ticketDecider.evolve, ticketDecider.initialState());
        expect(fromStore).toEqual(state);
      }),
      { numRuns: 200 },
    );
  });

  // Found by this property and fixed (ticket-sla.ts, samePolicy): the applied policy is compared as JSON text, so its targets read back
  // from PostgreSQL's jsonb (keys reordered: resolution, next-response, first-response, ...) never equal
  // the book's, and every command decided on a state loaded from the store (a cache miss, another replica,
  // a restart, a re-import) appends the same tickets.sla-policy-applied.v1 again, a redelivered open
  // included. Counterexample: open (conversation, priority low), then a reply: the reply decided on the
  // stored stream also emits sla-policy-applied (policy standard, unchanged targets).
  it('decides every command on a stream read back from the store as on the state kept in memory', () => {
    fc.assert(
      fc.property(requests, (rs) => {
        decideOnStoredEvents(ticketDecider, play(rs), (step, outcome) =>
          expect({ kind: step.command.kind, outcome }).toEqual({
            kind: step.command.kind,
            outcome: step.outcome,
          }),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('emits only events that fit their contract (the handler appends nothing else)', () => {
    fc.assert(
      fc.property(requests, (rs) => {
        const problems = play(rs)
          .history.map((e) => journeyCatalogue.check(e.type, e.data))
          .filter((p) => p !== undefined);
        expect(problems).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('has one assignee at a time: an agent is unassigned before another is assigned', () => {
    fc.assert(
      fc.property(requests, (rs) => {
        let holder: string | undefined;
        for (const e of play(rs).history) {
          if (e.type === 'tickets.ticket-assigned.v1') {
            expect(holder).toBeUndefined();
            holder = e.data.agentId;
          } else if (e.type === 'tickets.ticket-unassigned.v1') {
            expect(e.data.agentId).toBe(holder);
            holder = undefined;
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('moves status only from where it is, never back to new and never out of closed; only a solve sets closesAt', () => {
    fc.assert(
      fc.property(requests, (rs) => {
        let status: TicketStatus | undefined;
        for (const e of play(rs).history) {
          if (e.type === 'tickets.ticket-opened.v1') status = 'new';
          if (e.type !== 'tickets.status-changed.v1') continue;
          expect(e.data.from).toBe(status);
          expect(e.data.to).not.toBe(e.data.from);
          expect(e.data.to).not.toBe('new');
          expect(e.data.from).not.toBe('closed');
          expect(e.data.closesAt !== undefined).toBe(e.data.to === 'solved');
          status = e.data.to;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses work on a closed ticket and assignment or escalation of a solved one', () => {
    const refusedWhenClosed = new Set([
      'set-status',
      'update',
      'transfer',
      'merge-into',
      'absorb',
      'assign',
      'escalate',
    ]);
    fc.assert(
      fc.property(requests, (rs) => {
        for (const step of play(rs).steps) {
          const { command: c, before } = step;
          if (before.erased || before.mergedInto) continue;
          const refused =
            (before.status === 'closed' &&
              (refusedWhenClosed.has(c.kind) ||
                (c.kind === 'add-customer-message' && !before.messages.has(c.messageId)) ||
                (c.kind === 'reply' && !before.replies.has(c.replyId)))) ||
            (before.status === 'solved' &&
              (c.kind === 'escalate' || (c.kind === 'assign' && before.assignee !== c.agentId)));
          if (refused)
            expect({ kind: c.kind, outcome: outcomeOf(step) }).toEqual({ kind: c.kind, outcome: 'rejected' });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps no SLA clock running while the ticket is solved or closed', () => {
    fc.assert(
      fc.property(requests, (rs) => {
        const { steps, state } = play(rs);
        for (const s of [...steps.map((x) => x.before), state]) {
          if (s.status !== 'solved' && s.status !== 'closed') continue;
          const running = Object.values(s.clocks).filter((c) => c.state === 'running');
          expect({ status: s.status, running }).toEqual({ status: s.status, running: [] });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('fires each SLA warning and breach once per metric and cycle, never before it is due', () => {
    fc.assert(
      fc.property(requests, (rs) => {
        const fired: string[] = [];
        for (const e of play(rs).history) {
          if (e.type !== 'tickets.sla-warned.v1' && e.type !== 'tickets.sla-breached.v1') continue;
          fired.push(
            firedKey(e.data.metric, e.data.cycle, e.type === 'tickets.sla-warned.v1' ? 'warning' : 'breach'),
          );
          expect(Date.parse(e.data.at)).toBeGreaterThanOrEqual(Date.parse(e.data.dueAt));
        }
        expect(new Set(fired).size).toBe(fired.length);
      }),
      { numRuns: 300 },
    );
  });

  it('changes nothing when a command with an identity of its own is decided again right after (a redelivery)', () => {
    const redeliverable = new Set<TicketCommand['kind']>([
      'open',
      'add-customer-message',
      'reply',
      'reply-delivered',
      'reply-failed',
      'note',
      'link-contact',
      'assign',
      'unassign',
      'fire-timer',
      'auto-close',
      'erase',
    ]);
    fc.assert(
      fc.property(requests, (rs) => {
        const { state, steps } = play(rs);
        const last = steps[steps.length - 1] as Step;
        if (!redeliverable.has(last.command.kind)) return;
        const again = ticketDecider.decide(last.command, state);
        expect({
          kind: last.command.kind,
          events: Array.isArray(again) ? again.map((e) => e.type) : [],
        }).toEqual({
          kind: last.command.kind,
          events: [],
        });
      }),
      { numRuns: 500 },
    );
  });

  it('once erased or merged away, takes nothing more (delivery reports and a rating aside; an open or erasure again is done already)', () => {
    fc.assert(
      fc.property(requests, (rs) => {
        for (const step of play(rs).steps) {
          const c = step.command;
          const done = c.kind === 'open' || (step.before.erased && c.kind === 'erase');
          const expected = step.before.erased
            ? done
              ? []
              : 'rejected'
            : step.before.mergedInto && !['reply-delivered', 'reply-failed', 'rate', 'erase'].includes(c.kind)
              ? done
                ? []
                : 'rejected'
              : undefined;
          if (expected !== undefined)
            expect({ kind: c.kind, outcome: outcomeOf(step) }).toEqual({ kind: c.kind, outcome: expected });
        }
      }),
      { numRuns: 300 },
    );
  });

  // Found by this property and fixed (ticket.decider.ts, the mergedInto guard lets only reply-delivered, reply-failed and rate through):
  // a ticket merged into another refuses erase ("the ticket was merged into …"), and the contacts-intake
  // consumer throws on that refusal, so the personal-data erasure of a customer who has a merged ticket
  // never completes (the ticket keys are never deleted). Counterexample: open, merge-into another ticket,
  // erase → rejected instead of ticket-erased.
  it('takes an erasure of any ticket that exists, whatever it went through', () => {
    fc.assert(
      fc.property(requests, (rs) => {
        const { state } = play(rs);
        if (!state.status || state.erased) return;
        const erase = {
          kind: 'erase',
          ctx: contextFor({ kind: 'erase' }, state, new Date(t0 + 1e9).toISOString()),
        } as TicketCommand;
        const decided = ticketDecider.decide(erase, state);
        expect(Array.isArray(decided) ? decided.map((e) => e.type) : decided).toContain(
          'tickets.ticket-erased.v1',
        );
      }),
      { numRuns: 300 },
    );
  });

  it('takes each survey’s rating once', () => {
    fc.assert(
      fc.property(requests, (rs) => {
        const rated = play(rs).history.flatMap((e) =>
          e.type === 'tickets.csat-rated.v1' ? [e.data.surveyId] : [],
        );
        expect(new Set(rated).size).toBe(rated.length);
      }),
      { numRuns: 300 },
    );
  });
});
