import { calendarSchema } from '@journey/contracts';
import { computeFigures, drillDown } from './figures';
import type { FigureQuery } from './figures';
import { measureTicket } from './ticket-measures';
import type { FactWithout, TicketFact, TicketRecord } from './ticket-record';

// Hand-computed examples of every definition in the README's "Figures" (the numbers in the comments
// are the arithmetic the assertions check).
let n = 0;
const fact = (at: string, f: FactWithout<'e' | 'at'>): TicketFact =>
  ({ e: `e${++n}`, at, ...f }) as TicketFact;
const ticket = (facts: TicketFact[], over: Partial<TicketRecord> = {}): TicketRecord => ({
  ticketId: 't1',
  openedAt: '2026-11-02T09:00:00.000Z',
  channel: 'web-chat',
  group: 'support',
  priority: 'normal',
  status: 'open',
  facts,
  ...over,
});
const solve = (at: string, from = 'open') =>
  fact(at, { k: 'status', from, to: 'solved', cause: 'agent', by: 'ann' });
const reopen = (at: string) =>
  fact(at, { k: 'status', from: 'solved', to: 'open', cause: 'customer-reply', by: 'customer' });
const reply = (at: string, by = 'ann', bot = false) =>
  fact(at, { k: 'reply', by, ...(bot ? { bot: true } : {}) });
const customer = (at: string) => fact(at, { k: 'customer' });
const assigned = (at: string, agent: string) => fact(at, { k: 'assigned', agent, by: 'assignment-engine' });

// Shanghai office: Monday–Friday 09:00–18:00 local (01:00–10:00 UTC).
const office = calendarSchema.parse({
  id: 'office',
  timeZone: 'Asia/Shanghai',
  hours: Object.fromEntries(
    ['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ from: '09:00', to: '18:00' }]]),
  ),
});

describe('the figures of one ticket', () => {
  it('measures the first response from the reopen when the ticket was solved and reopened before anyone replied (Chatwoot #12058)', () => {
    // Opened Monday 09:00, solved unanswered, reopened five days later; the agent replies ten minutes after the reopen.
    const m = measureTicket(
      ticket([
        solve('2026-11-02T09:05:00.000Z'),
        customer('2026-11-07T09:00:00.000Z'),
        reopen('2026-11-07T09:00:00.000Z'),
        reply('2026-11-07T09:10:00.000Z'),
      ]),
    );
    expect(m.firstResponse).toMatchObject({ seconds: 600, agent: 'ann', from: '2026-11-07T09:00:00.000Z' });
    expect(m.reopens).toBe(1);
  });

  it('credits the first response to the agent who replied, not to whoever holds the ticket (Chatwoot #7978)', () => {
    const m = measureTicket(
      ticket(
        [
          assigned('2026-11-02T09:01:00.000Z', 'ann'),
          reply('2026-11-02T09:04:00.000Z', 'bob'),
          assigned('2026-11-02T09:05:00.000Z', 'cyd'),
        ],
        {
          assignee: 'cyd',
        },
      ),
    );
    expect(m.firstResponse).toMatchObject({ agent: 'bob', seconds: 240 });
    const [row] = computeFigures([m], query({ by: ['agent'], where: { agent: 'bob' } }));
    expect(row?.firstResponse.count).toBe(1);
  });

  it('leaves bot replies and bot time out of responses and resolution (Chatwoot #7679)', () => {
    // A bot talks for 30 minutes, then the ticket goes to ann, who replies at 09:40 and solves at 10:00.
    const m = measureTicket(
      ticket([
        reply('2026-11-02T09:01:00.000Z', 'automation/bot', true),
        customer('2026-11-02T09:10:00.000Z'),
        reply('2026-11-02T09:11:00.000Z', 'automation/bot', true),
        assigned('2026-11-02T09:30:00.000Z', 'ann'),
        reply('2026-11-02T09:40:00.000Z'),
        solve('2026-11-02T10:00:00.000Z'),
      ]),
    );
    expect(m.botSeconds).toBe(30 * 60);
    expect(m.firstResponse?.seconds).toBe(40 * 60); // the customer waited from the opening for a person
    expect(m.fullResolution).toMatchObject({ seconds: 30 * 60, agent: 'ann' }); // 09:30 → 10:00, not 09:00 → 10:00
    expect(m.humanReplies).toBe(1);
    // A ticket the bot solved alone has no resolution time of people: it is a bot resolution.
    const alone = measureTicket(
      ticket([reply('2026-11-02T09:01:00.000Z', 'automation/bot', true), solve('2026-11-02T09:02:00.000Z')]),
    );
    expect(alone).toMatchObject({ botResolved: true, solved: true });
    expect(alone.fullResolution).toBeUndefined();
  });

  it('measures next responses from the first unanswered customer message, and only people answer them', () => {
    const m = measureTicket(
      ticket([
        reply('2026-11-02T09:02:00.000Z'),
        customer('2026-11-02T09:10:00.000Z'),
        customer('2026-11-02T09:12:00.000Z'), // still the same wait
        reply('2026-11-02T09:15:00.000Z', 'automation/bot', true), // not a response
        reply('2026-11-02T09:20:00.000Z', 'bob'),
      ]),
    );
    expect(m.nextResponses.map((s) => [s.seconds, s.agent])).toEqual([[600, 'bob']]);
  });

  it('counts time in business hours across a weekend, in the calendar of the ticket', () => {
    // Friday 17:00 Shanghai (09:00 UTC) → Monday 10:00 Shanghai (02:00 UTC): 1 h Friday + 1 h Monday open.
    const m = measureTicket(
      ticket([reply('2026-11-09T02:00:00.000Z')], { openedAt: '2026-11-06T09:00:00.000Z' }),
      office,
    );
    expect(m.firstResponse).toMatchObject({ seconds: 65 * 3600, businessSeconds: 2 * 3600 });
  });

  it('counts first and full resolution with reopens, and one-touch as solved with fewer than two agent replies (Zendesk)', () => {
    const m = measureTicket(
      ticket([
        assigned('2026-11-02T09:00:00.000Z', 'ann'),
        reply('2026-11-02T09:30:00.000Z'),
        solve('2026-11-02T10:00:00.000Z'),
        customer('2026-11-03T09:00:00.000Z'),
        reopen('2026-11-03T09:00:00.000Z'),
        reply('2026-11-03T09:30:00.000Z'),
        solve('2026-11-03T10:00:00.000Z'),
      ]),
    );
    expect(m.firstResolution?.seconds).toBe(3600);
    expect(m.fullResolution?.seconds).toBe(25 * 3600);
    expect(m.nextResponses.map((s) => s.seconds)).toEqual([1800]);
    expect(m).toMatchObject({
      reopens: 1,
      humanReplies: 2,
      oneTouch: false,
      solved: true,
      resolvedBy: 'ann',
    });
    const once = measureTicket(
      ticket([
        assigned('2026-11-02T09:00:00.000Z', 'ann'),
        reply('2026-11-02T09:30:00.000Z'),
        solve('2026-11-02T10:00:00.000Z'),
      ]),
    );
    expect(once.oneTouch).toBe(true);
  });

  it('takes one rating per survey however often it is delivered, and a rating after the close', () => {
    const rating = fact('2026-11-20T09:00:00.000Z', { k: 'rating', survey: 's1', score: 5, agent: 'ann' });
    const m = measureTicket(
      ticket([
        assigned('2026-11-02T09:00:00.000Z', 'ann'),
        solve('2026-11-02T10:00:00.000Z'),
        fact('2026-11-02T10:00:00.000Z', { k: 'survey', survey: 's1' }),
        fact('2026-11-06T10:00:00.000Z', {
          k: 'status',
          from: 'solved',
          to: 'closed',
          cause: 'auto-close',
          by: 'system',
        }),
        rating,
        rating,
      ]),
    );
    expect(m.rating).toMatchObject({ score: 5, good: true, agent: 'ann' });
    expect(m.solved).toBe(true);
  });
});

function query(over: Partial<FigureQuery> = {}): FigureQuery {
  return {
    from: '2026-11-01T00:00:00.000Z',
    to: '2026-12-01T00:00:00.000Z',
    dateBy: 'created',
    by: [],
    timeZone: 'UTC',
    where: {},
    ...over,
  };
}

describe('figures over tickets', () => {
  const solvedTicket = (id: string, openedAt: string, score?: number) =>
    measureTicket(
      ticket(
        [
          assigned(openedAt, 'ann'),
          reply(new Date(Date.parse(openedAt) + 60_000).toISOString()),
          solve(new Date(Date.parse(openedAt) + 3_600_000).toISOString()),
          fact(openedAt, { k: 'survey', survey: `s-${id}` }),
          ...(score ? [fact(openedAt, { k: 'rating', survey: `s-${id}`, score })] : []),
        ],
        {
          ticketId: id,
          openedAt,
          solvedAt: new Date(Date.parse(openedAt) + 3_600_000).toISOString(),
          assignee: 'ann',
        },
      ),
    );

  it('computes CSAT as good ÷ rated, the survey response rate, resolution rate and first-contact resolution', () => {
    const rows = computeFigures(
      [
        solvedTicket('a', '2026-11-02T09:00:00.000Z', 5),
        solvedTicket('b', '2026-11-02T10:00:00.000Z', 4),
        solvedTicket('c', '2026-11-02T11:00:00.000Z', 2),
        solvedTicket('d', '2026-11-02T12:00:00.000Z'),
        measureTicket(ticket([], { ticketId: 'e', openedAt: '2026-11-02T13:00:00.000Z' })),
      ],
      query(),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      created: 5,
      solved: 4,
      resolutionRate: 0.8,
      rated: 3,
      good: 2,
      csat: 0.6667,
      surveys: 4,
      surveyResponseRate: 0.75,
      oneTouch: 4,
      firstContactResolution: 1,
      firstResponse: { count: 4, mean: 60, median: 60 },
    });
  });

  it('cuts and filters by product (the product tag), a record without one counting as none', () => {
    const kettle = (id: string) => measureTicket(ticket([], { ticketId: id, product: 'kettle-2' }));
    const ms = [kettle('a'), kettle('b'), measureTicket(ticket([], { ticketId: 'c' }))];
    expect(computeFigures(ms, query({ by: ['product'] })).map((r) => [r.key.product, r.created])).toEqual([
      ['kettle-2', 2],
      ['none', 1],
    ]);
    expect(computeFigures(ms, query({ where: { product: 'none' } }))[0]?.created).toBe(1);
  });

  it('puts a ticket in the period of its creation or of its solve, in the time zone asked', () => {
    // Created 23:30 UTC on the 2nd = 07:30 on the 3rd in Shanghai; solved an hour later.
    const m = solvedTicket('a', '2026-11-02T23:30:00.000Z', 5);
    expect(computeFigures([m], query({ period: 'day' }))[0]?.key).toEqual({ period: '2026-11-02' });
    expect(computeFigures([m], query({ period: 'day', timeZone: 'Asia/Shanghai' }))[0]?.key).toEqual({
      period: '2026-11-03',
    });
    expect(computeFigures([m], query({ period: 'week', dateBy: 'solved' }))[0]?.key).toEqual({
      period: '2026-11-02',
    });
    expect(computeFigures([m], query({ period: 'month' }))[0]?.key).toEqual({ period: '2026-11' });
  });

  it('gives the same rows whatever order the tickets come in', () => {
    const ms = [
      solvedTicket('a', '2026-11-02T09:00:00.000Z', 5),
      solvedTicket('b', '2026-11-03T09:00:00.000Z', 1),
    ];
    const q = query({ by: ['agent', 'channel'], period: 'day' });
    expect(JSON.stringify(computeFigures([...ms].reverse(), q))).toBe(JSON.stringify(computeFigures(ms, q)));
  });

  it('counts SLA compliance per target, a breach once per cycle even when the target is met late', () => {
    const m = measureTicket(
      ticket([
        fact('2026-11-02T09:30:00.000Z', {
          k: 'sla',
          metric: 'first-response',
          cycle: 0,
          outcome: 'breached',
        }),
        fact('2026-11-02T09:40:00.000Z', {
          k: 'sla',
          metric: 'first-response',
          cycle: 0,
          outcome: 'achieved',
        }),
        fact('2026-11-02T10:00:00.000Z', { k: 'sla', metric: 'resolution', cycle: 0, outcome: 'achieved' }),
      ]),
    );
    expect(computeFigures([m], query())[0]?.sla).toEqual({
      'first-response': { measured: 1, breached: 1, compliance: 0 },
      resolution: { measured: 1, breached: 0, compliance: 1 },
    });
  });
});

describe('drilling a figure down', () => {
  it('lists the tickets and the events behind a figure of a row', () => {
    const m = measureTicket(
      ticket([assigned('2026-11-02T09:01:00.000Z', 'ann'), reply('2026-11-02T09:04:00.000Z', 'bob')], {
        openedEvent: 'opened-1',
        assignee: 'ann',
      }),
    );
    const [entry, ...more] = drillDown([m], {
      ...query({ by: ['agent'], where: { agent: 'bob' } }),
      figure: 'firstResponse',
    });
    expect(more).toHaveLength(0);
    expect(entry).toMatchObject({ ticketId: 't1', agent: 'bob', seconds: 240, key: { agent: 'bob' } });
    expect(entry?.events[0]).toBe('opened-1');
    expect(drillDown([m], { ...query({ where: { agent: 'ann' } }), figure: 'firstResponse' })).toEqual([]);
    expect(drillDown([m], { ...query({ where: { agent: 'ann' } }), figure: 'created' })).toHaveLength(1);
  });
});
