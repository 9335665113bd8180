import { computeBacklog, openBreaches } from './backlog';
import type { TicketRecord } from './ticket-record';

// Hand-computed backlog at 12:00 UTC on 2026-11-24 (ages and due times in the comments).
const NOW = '2026-11-24T12:00:00.000Z';
const breachFact = (metric: string, cycle: number) =>
  ({
    e: `b-${metric}-${cycle}`,
    at: '2026-11-24T11:00:00.000Z',
    k: 'sla',
    metric,
    cycle,
    outcome: 'breached',
  }) as const;
const record = (ticketId: string, over: Partial<TicketRecord>): TicketRecord => ({
  ticketId,
  openedAt: '2026-11-24T10:00:00.000Z',
  channel: 'web-chat',
  group: 'support',
  priority: 'normal',
  status: 'open',
  facts: [],
  ...over,
});
const tiers = (id: string) => (id === 'vip-contact' ? 'gold' : undefined);

describe('the backlog', () => {
  const records = [
    // 2 h old, first response missed (the breach fired) and the clock still runs: one open breach.
    record('t1', {
      assignee: 'ann',
      clocks: { 'first-response': { cycle: 0, state: 'running', dueAt: '2026-11-24T11:00:00.000Z' } },
      facts: [breachFact('first-response', 0)],
    }),
    // 30 min old, resolution due in 10 min: due soon (within 15 min), not breached.
    record('t2', {
      openedAt: '2026-11-24T11:30:00.000Z',
      contactId: 'vip-contact',
      clocks: { resolution: { cycle: 0, state: 'running', dueAt: '2026-11-24T12:10:00.000Z' } },
    }),
    // 26 h old, pending: its next-response clock is past due and the breach has not arrived yet (late timer):
    // open all the same.
    record('t3', {
      openedAt: '2026-11-23T10:00:00.000Z',
      status: 'pending',
      assignee: 'bob',
      clocks: { 'next-response': { cycle: 2, state: 'running', dueAt: '2026-11-24T11:59:00.000Z' } },
    }),
    // A breach of an earlier cycle that was answered since (the clock is in cycle 1 now): not open.
    record('t4', {
      openedAt: '2026-11-24T11:00:00.000Z',
      clocks: { 'next-response': { cycle: 1, state: 'running', dueAt: '2026-11-24T14:00:00.000Z' } },
      facts: [breachFact('next-response', 0)],
    }),
    // Solved, merged, and never-opened records are not backlog.
    record('t5', { status: 'solved', clocks: { resolution: { cycle: 0, state: 'running', dueAt: NOW } } }),
    record('t6', { merged: true }),
    { ...record('t7', {}), openedAt: undefined as unknown as string },
  ];

  it('counts waiting tickets, their ages, open breaches and targets due soon', () => {
    const backlog = computeBacklog(records, { now: NOW, by: [], dueSoonSeconds: 900, vipTierOf: tiers });
    expect(backlog).toEqual({
      at: NOW,
      dueSoonSeconds: 900,
      rows: [
        {
          key: {},
          open: 4,
          unassigned: 2,
          // ages: t2 1800, t4 3600, t1 7200, t3 93600 → median (2nd of 4) 3600, p90 (4th) 93600
          ageMedian: 3600,
          ageP90: 93600,
          ageMax: 93600,
          breachedTickets: 2,
          breaches: 2,
          dueSoon: 1,
          // t2's resolution at 12:10 is the earliest target still to come (t4's is at 14:00).
          nextBreachIn: 600,
        },
      ],
    });
  });

  it('cuts by agent (unassigned included), VIP tier and status, in key order', () => {
    const byAgent = computeBacklog(records, {
      now: NOW,
      by: ['agent'],
      dueSoonSeconds: 900,
      vipTierOf: tiers,
    });
    expect(byAgent.rows.map((r) => [r.key.agent, r.open, r.breaches])).toEqual([
      ['ann', 1, 1],
      ['bob', 1, 1],
      ['unassigned', 2, 0],
    ]);
    const byTier = computeBacklog(records, {
      now: NOW,
      by: ['vipTier', 'status'],
      dueSoonSeconds: 900,
      vipTierOf: tiers,
    });
    expect(byTier.rows.map((r) => [r.key.vipTier, r.key.status, r.open])).toEqual([
      ['gold', 'open', 1],
      ['none', 'open', 2],
      ['none', 'pending', 1],
    ]);
  });

  it('lists the open breaches of a ticket by metric; a paused clock keeps its breach, an achieved one ends it', () => {
    const paused = record('t8', {
      clocks: {
        'first-response': { cycle: 0, state: 'achieved' },
        resolution: { cycle: 0, state: 'paused' },
      },
      facts: [breachFact('first-response', 0), breachFact('resolution', 0)],
    });
    expect(openBreaches(paused, Date.parse(NOW))).toEqual([
      { ticketId: 't8', group: 'support', metric: 'resolution' },
    ]);
  });
});
