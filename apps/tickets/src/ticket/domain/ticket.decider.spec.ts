import { policyBookSchema } from '../../sla/domain/sla-policy-book';
import { ticketDecider } from './ticket.decider';
import type { TicketCommand, TicketContext } from './ticket.decider';
import type { TicketEvent, TicketState } from './ticket.state';

const T = '0b5c7c1e-3d0f-4b7e-9a53-8f1f5c2a7d11';
const C = '6f1d2a9e-2b8c-4f1e-8d7a-3c5b9e0f1a22';
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const book = policyBookSchema.parse({
  calendars: [{ id: 'always', timeZone: 'UTC' }],
  policies: [
    {
      id: 'urgent',
      when: { priority: ['urgent'] },
      targets: { 'first-response': 15, resolution: 240 },
    },
    {
      id: 'standard',
      calendarId: 'always',
      targets: { 'first-response': 60, 'next-response': 120, resolution: 1440 },
      warnBeforeMinutes: 10,
      onBreach: { toGroup: 'tier-2', raisePriority: true, notifySupervisors: true },
    },
  ],
});

const ctx = (now: string, extra: Partial<TicketContext> = {}): TicketContext => ({
  now,
  book,
  autoCloseDays: 4,
  escalation: {
    breach: { toGroup: 'tier-2', raisePriority: true, notifySupervisors: true },
    supervisors: ['sup-1'],
  },
  ...extra,
});

/** Given events, when a command: the events decided (or the rejection). */
function given(events: TicketEvent[]) {
  const state = events.reduce(ticketDecider.evolve, ticketDecider.initialState());
  return {
    state,
    when: (command: TicketCommand) => ticketDecider.decide(command, state),
    then(command: TicketCommand): { events: TicketEvent[]; state: TicketState } {
      const decided = ticketDecider.decide(command, state);
      if (!Array.isArray(decided)) throw new Error(decided.reason);
      return { events: decided, state: decided.reduce(ticketDecider.evolve, state) };
    },
  };
}
const types = (events: TicketEvent[]) => events.map((e) => e.type.replace(/^tickets\.|\.v1$/g, ''));
const clock = (events: TicketEvent[], metric: string) =>
  events.filter((e) => e.type === 'tickets.sla-clock-set.v1' && e.data.metric === metric).at(-1)?.data as
    Record<string, unknown> | undefined;

const open = (at = '2026-11-24T10:00:00.000Z'): TicketCommand => ({
  kind: 'open',
  ctx: ctx(at),
  ticket: {
    ticketId: T,
    origin: { kind: 'conversation', conversationId: C, channel: 'email', channelId: 'support' },
    priority: 'normal',
    group: 'tier-1',
    tags: [],
    skills: [],
    openedBy: 'customer',
  },
});

describe('the ticket decider', () => {
  it('opens a ticket from a conversation, applies the matching policy and starts its clocks', () => {
    const { events, state } = given([]).then(open());
    expect(types(events)).toEqual(['ticket-opened', 'sla-policy-applied', 'sla-clock-set', 'sla-clock-set']);
    expect(state.policy?.policyId).toBe('standard');
    expect(clock(events, 'first-response')).toMatchObject({
      state: 'running',
      dueAt: '2026-11-24T11:00:00.000Z',
      warnAt: '2026-11-24T10:50:00.000Z',
    });
    expect(clock(events, 'resolution')).toMatchObject({ dueAt: '2026-11-25T10:00:00.000Z' });
    // Opening again (a redelivered message) decides nothing.
    expect(given(events).when(open())).toEqual([]);
  });

  it('a human reply achieves the first response and starts the periodic update; an internal note achieves nothing', () => {
    const opened = given([]).then(open()).events;
    const noted = given(opened).then({
      kind: 'note',
      ctx: ctx('2026-11-24T10:05:00.000Z'),
      noteId: uuid(1),
      authorId: 'a1',
      text: 'check order',
    });
    expect(types(noted.events)).toEqual(['note-added']);
    const replied = given([...opened, ...noted.events]).then({
      kind: 'reply',
      ctx: ctx('2026-11-24T10:10:00.000Z'),
      replyId: uuid(2),
      authorId: 'a1',
      text: 'Hello',
      attachments: [],
    });
    expect(types(replied.events)).toEqual(['reply-posted', 'sla-clock-set', 'status-changed']);
    expect(clock(replied.events, 'first-response')).toMatchObject({ state: 'achieved', elapsedSeconds: 600 });
    expect(replied.events[0]).toMatchObject({
      data: { conversationId: C, channel: 'email', channelId: 'support' },
    });
  });

  it('pauses the clocks while pending on the customer and resumes them, with a next response, when they reply', () => {
    const opened = given([]).then(open()).events;
    const pending = given(opened).then({
      kind: 'reply',
      ctx: ctx('2026-11-24T10:30:00.000Z'),
      replyId: uuid(2),
      authorId: 'a1',
      text: 'Which order?',
      attachments: [],
      status: 'pending',
    });
    expect(clock(pending.events, 'resolution')).toMatchObject({ state: 'paused', elapsedSeconds: 1800 });
    // Two hours later the customer answers: resolution resumes from 30 min used; next response starts.
    const back = given([...opened, ...pending.events]).then({
      kind: 'add-customer-message',
      ctx: ctx('2026-11-24T12:30:00.000Z'),
      conversationId: C,
      messageId: uuid(3),
      at: '2026-11-24T12:30:00.000Z',
    });
    expect(types(back.events)).toContain('status-changed');
    expect(clock(back.events, 'resolution')).toMatchObject({
      state: 'running',
      elapsedSeconds: 1800,
      dueAt: '2026-11-25T12:00:00.000Z',
    });
    expect(clock(back.events, 'next-response')).toMatchObject({
      state: 'running',
      cycle: 0,
      dueAt: '2026-11-24T14:30:00.000Z',
    });
  });

  it('a breach fires once, escalates by policy, and not for a paused clock or an old cycle', () => {
    const opened = given([]).then(open()).events;
    const fire = (now: string, cycle = 0): TicketCommand => ({
      kind: 'fire-timer',
      ctx: ctx(now),
      metric: 'first-response',
      cycle,
      timer: 'breach',
    });
    // Early: nothing yet.
    expect(given(opened).when(fire('2026-11-24T10:59:59.000Z'))).toEqual([]);
    expect(given(opened).when(fire('2026-11-24T11:00:00.000Z', 1))).toEqual([]);
    const breached = given(opened).then(fire('2026-11-24T11:00:00.400Z'));
    expect(types(breached.events)).toContain('sla-breached');
    const escalated = breached.events.find((e) => e.type === 'tickets.ticket-escalated.v1');
    expect(escalated?.data).toMatchObject({
      toGroup: 'tier-2',
      priority: 'high',
      notify: ['sup-1'],
      cause: 'sla-breach',
    });
    expect(breached.state.group).toBe('tier-2');
    // Fired again (a second replica, a redelivery): nothing more.
    expect(given([...opened, ...breached.events]).when(fire('2026-11-24T11:00:01.000Z'))).toEqual([]);
  });

  it('a solved ticket stops every timer, asks for a rating once, and closes after the auto-close days', () => {
    const opened = given([]).then(open()).events;
    const solved = given(opened).then({
      kind: 'set-status',
      to: 'solved',
      by: 'a1',
      ctx: ctx('2026-11-24T11:30:00.000Z', {
        survey: { surveyId: uuid(9), token: 'tok', expiresAt: '2026-12-01T11:30:00.000Z' },
      }),
    });
    expect(types(solved.events)).toEqual([
      'status-changed',
      'sla-clock-set',
      'sla-clock-set',
      'csat-requested',
    ]);
    expect(Object.values(solved.state.clocks).every((c) => c.state !== 'running')).toBe(true);
    // The breach timer due at 11:00 is gone: a solved ticket's clocks do not breach.
    expect(
      given([...opened, ...solved.events]).when({
        kind: 'fire-timer',
        ctx: ctx('2026-11-24T12:00:00Z'),
        metric: 'resolution',
        cycle: 0,
        timer: 'breach',
      }),
    ).toEqual([]);
    const history = [...opened, ...solved.events];
    const rate = (now: string): TicketCommand => ({
      kind: 'rate',
      ctx: ctx(now),
      surveyId: uuid(9),
      score: 5,
      comment: 'great',
    });
    const rated = given(history).then(rate('2026-11-25T00:00:00.000Z'));
    expect(types(rated.events)).toEqual(['csat-rated']);
    expect(given([...history, ...rated.events]).when(rate('2026-11-25T00:00:01.000Z'))).toEqual({
      rejected: true,
      reason: 'this survey was already answered',
    });
    expect(given(history).when(rate('2026-12-02T00:00:00.000Z'))).toEqual({
      rejected: true,
      reason: 'this survey has expired',
    });
    expect(given(history).when({ kind: 'auto-close', ctx: ctx('2026-11-27T00:00:00.000Z') })).toEqual([]);
    expect(
      types(given(history).then({ kind: 'auto-close', ctx: ctx('2026-11-28T11:30:00.000Z') }).events),
    ).toEqual(['status-changed']);
  });

  it('the customer’s reply reopens a solved ticket, and a closed ticket takes nothing more', () => {
    const opened = given([]).then(open()).events;
    const solved = given(opened).then({
      kind: 'set-status',
      to: 'solved',
      by: 'a1',
      ctx: ctx('2026-11-24T11:30:00.000Z'),
    }).events;
    const reopened = given([...opened, ...solved]).then({
      kind: 'add-customer-message',
      ctx: ctx('2026-11-24T13:00:00.000Z'),
      conversationId: C,
      messageId: uuid(5),
      at: '2026-11-24T13:00:00.000Z',
    });
    expect(reopened.state.status).toBe('open');
    expect(clock(reopened.events, 'resolution')).toMatchObject({ state: 'running', elapsedSeconds: 5400 });
    const closed = given([...opened, ...solved]).then({
      kind: 'auto-close',
      ctx: ctx('2026-12-01T00:00:00.000Z'),
    }).events;
    expect(
      given([...opened, ...solved, ...closed]).when({
        kind: 'add-customer-message',
        ctx: ctx('2026-12-02T00:00:00.000Z'),
        conversationId: C,
        messageId: uuid(6),
        at: '2026-12-02T00:00:00.000Z',
      }),
    ).toEqual({ rejected: true, reason: 'the ticket is closed' });
  });

  it('a priority change moves to the policy that matches it and recomputes the running clocks', () => {
    const opened = given([]).then(open()).events;
    const urgent = given(opened).then({
      kind: 'update',
      ctx: ctx('2026-11-24T10:05:00.000Z'),
      changes: { priority: 'urgent' },
      by: 'sup-1',
    });
    expect(types(urgent.events)).toEqual([
      'ticket-updated',
      'sla-policy-applied',
      'sla-clock-set',
      'sla-clock-set',
    ]);
    // 5 minutes used of a 15-minute target: due at 10:15.
    expect(clock(urgent.events, 'first-response')).toMatchObject({
      dueAt: '2026-11-24T10:15:00.000Z',
      elapsedSeconds: 300,
    });
  });

  it('transfer and escalation move the ticket with their note and free the agent', () => {
    const opened = given([]).then(open()).events;
    const assigned = given(opened).then({
      kind: 'assign',
      ctx: ctx('2026-11-24T10:01:00Z'),
      agentId: 'a1',
      by: 'engine',
      onlyIfUnassigned: true,
    }).events;
    const history = [...opened, ...assigned];
    expect(
      given(history).when({
        kind: 'assign',
        ctx: ctx('2026-11-24T10:01:00Z'),
        agentId: 'a2',
        by: 'engine',
        onlyIfUnassigned: true,
      }),
    ).toEqual({
      rejected: true,
      reason: 'already assigned to a1',
    });
    const moved = given(history).then({
      kind: 'transfer',
      ctx: ctx('2026-11-24T10:02:00Z'),
      toGroup: 'billing',
      note: 'refund question',
      by: 'a1',
    });
    expect(types(moved.events)).toEqual(['ticket-transferred', 'ticket-unassigned']);
    expect(moved.state).toMatchObject({ group: 'billing', lastAssignee: 'a1' });
    expect(moved.state.assignee).toBeUndefined();
    const up = given(history).then({
      kind: 'escalate',
      ctx: ctx('2026-11-24T10:02:00Z'),
      toGroup: 'tier-2',
      note: 'needs a specialist',
      by: 'a1',
      raisePriority: 'urgent',
    });
    expect(up.events[0]?.data).toMatchObject({
      cause: 'manual',
      toGroup: 'tier-2',
      priority: 'urgent',
      note: 'needs a specialist',
    });
    expect(types(up.events)).toContain('sla-policy-applied');
  });

  it("a supervisor evaluates the agent who handled it against a rubric, as a percentage; never an agent's own", () => {
    const opened = given([]).then(open()).events;
    const evaluate = (by: string) =>
      given(opened).when({
        kind: 'evaluate',
        ctx: ctx('2026-11-24T11:00:00Z'),
        evaluationId: 'f3f1e2d4-0000-4000-8000-000000000001',
        rubric: 'quality-v1',
        scores: { tone: 5, accuracy: 4, resolution: 3 },
        by,
      });
    expect(evaluate('sup-1')).toEqual({ rejected: true, reason: 'no agent has handled this ticket yet' });
    const assigned = given(opened).then({
      kind: 'assign',
      ctx: ctx('2026-11-24T10:01:00Z'),
      agentId: 'a1',
      by: 'engine',
      onlyIfUnassigned: true,
    }).events;
    const history = [...opened, ...assigned];
    const decided = given(history).then({
      kind: 'evaluate',
      ctx: ctx('2026-11-24T11:00:00Z'),
      evaluationId: 'f3f1e2d4-0000-4000-8000-000000000001',
      rubric: 'quality-v1',
      scores: { tone: 5, accuracy: 4, resolution: 3 },
      comment: 'clear, but missed the refund policy',
      by: 'sup-1',
    }).events;
    expect(decided).toHaveLength(1);
    expect(decided[0]?.data).toMatchObject({ agentId: 'a1', percent: 80, rubric: 'quality-v1', by: 'sup-1' });
    expect(
      given(history).when({
        kind: 'evaluate',
        ctx: ctx('2026-11-24T11:00:00Z'),
        evaluationId: 'f3f1e2d4-0000-4000-8000-000000000002',
        rubric: 'quality-v1',
        scores: { tone: 5 },
        by: 'a1',
      }),
    ).toEqual({ rejected: true, reason: 'an agent does not evaluate their own ticket' });
    expect(
      given(history).when({
        kind: 'evaluate',
        ctx: ctx('2026-11-24T11:00:00Z'),
        evaluationId: 'f3f1e2d4-0000-4000-8000-000000000003',
        rubric: 'quality-v1',
        scores: { tone: 5 },
        agentId: 'a9',
        by: 'sup-1',
      }),
    ).toEqual({ rejected: true, reason: 'a9 has not handled this ticket' });
  });
});
