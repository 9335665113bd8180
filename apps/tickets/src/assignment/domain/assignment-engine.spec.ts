import { planAssignments, rankCandidates } from './assignment-engine';
import type { AgentCandidate, QueuedTicket } from './assignment-engine';

const agent = (agentId: string, over: Partial<AgentCandidate> = {}): AgentCandidate => ({
  agentId,
  groups: ['support'],
  skills: [],
  languages: ['en'],
  channels: [],
  capacity: { default: 3 },
  traits: {},
  presence: 'online',
  load: {},
  vipDesk: false,
  ...over,
});
const ticket = (ticketId: string, over: Partial<QueuedTicket> = {}): QueuedTicket => ({
  ticketId,
  group: 'support',
  channel: 'email',
  skills: [],
  queuedAt: '2026-11-24T10:00:00.000Z',
  ...over,
});

describe('the assignment engine', () => {
  it('prefers skills, language and channel specialisation, and says why', () => {
    const [best, second] = rankCandidates(
      ticket('t1', { skills: ['refunds'], language: 'zh-CN', channel: 'wechat' }),
      [
        agent('generalist'),
        agent('specialist', { skills: ['refunds'], languages: ['zh'], channels: ['wechat'] }),
      ],
    );
    expect(best?.agentId).toBe('specialist');
    expect(best?.reasons.components).toMatchObject({ skills: 30, language: 15, channel: 10 });
    expect(best?.reasons.explanations).toEqual(
      expect.arrayContaining(['skills 1/1: refunds', 'speaks zh-CN', 'specialises in wechat']),
    );
    expect(best?.reasons.runnersUp).toEqual([{ agentId: 'generalist', score: second?.reasons.score }]);
  });

  it('sends a premium customer to the VIP desk', () => {
    const [best] = rankCandidates(ticket('t1', { contact: { vipTier: 'platinum' } }), [
      agent('a'),
      agent('vip', { vipDesk: true }),
    ]);
    expect(best).toMatchObject({ agentId: 'vip', reasons: { components: { vip: 15 } } });
    expect(best?.reasons.explanations).toContain('platinum customer to the VIP desk');
  });

  it('matches shared traits (personality matching) by name only, and the agent who served the customer before', () => {
    const t = ticket('t1', {
      contact: { traits: { pet: 'dog', style: 'Direct', city: 'Shanghai' }, previousAgents: ['old-friend'] },
    });
    const ranked = rankCandidates(t, [
      agent('cat-person', { traits: { pet: 'cat' } }),
      agent('dog-person', { traits: { pet: 'dog', style: 'direct' } }),
      agent('old-friend'),
    ]);
    const dog = ranked.find((r) => r.agentId === 'dog-person');
    expect(dog?.reasons.components.traits).toBe(16);
    expect(dog?.reasons.explanations).toContain('shares traits: pet, style');
    expect(JSON.stringify(dog?.reasons)).not.toMatch(/dog"|Shanghai|direct/i);
    expect(ranked.find((r) => r.agentId === 'old-friend')?.reasons.components.sticky).toBe(20);
    expect(ranked[0]?.agentId).toBe('old-friend');
  });

  it('never considers an agent who is away, offline, outside the group or full on the channel', () => {
    const ranked = rankCandidates(ticket('t1'), [
      agent('away', { presence: 'away' }),
      agent('offline', { presence: 'offline' }),
      agent('elsewhere', { groups: ['billing'] }),
      agent('full', { capacity: { email: 2, default: 9 }, load: { email: 2 } }),
      agent('free', { capacity: { email: 2 }, load: { email: 1, 'web-chat': 5 } }),
    ]);
    expect(ranked.map((r) => r.agentId)).toEqual(['free']);
  });

  it('plans the oldest tickets first and never past anyone’s capacity', () => {
    const queue = Array.from({ length: 20 }, (_, i) =>
      ticket(`t${String(i).padStart(2, '0')}`, {
        queuedAt: `2026-11-24T10:00:${String(59 - i).padStart(2, '0')}.000Z`,
      }),
    );
    const plan = planAssignments(queue, [
      agent('a', { capacity: { default: 3 } }),
      agent('b', { capacity: { default: 2 }, load: { email: 1 } }),
    ]);
    expect(plan).toHaveLength(4);
    // The oldest four (queued last in the list, earliest in time) are taken, the load spread.
    expect(plan.map((p) => p.ticketId)).toEqual(['t19', 't18', 't17', 't16']);
    expect(plan.filter((p) => p.agentId === 'a')).toHaveLength(3);
    expect(plan.filter((p) => p.agentId === 'b')).toHaveLength(1);
  });

  it('does not count a claim on the ticket itself against it (another replica is assigning it, or a pass is retried)', () => {
    // Replica A claimed t1 for ann and is about to record the assignment; replica B's board still
    // shows t1 queued. B's plan for t1 reads ann's load without t1; t2 still counts t1.
    const ann = agent('ann', { capacity: { default: 2 }, load: { email: 1 }, claims: { t1: 'email' } });
    const plan = planAssignments(
      [
        ticket('t1'),
        ticket('t2', { queuedAt: '2026-11-24T10:00:01.000Z' }),
        ticket('t3', { queuedAt: '2026-11-24T10:00:02.000Z' }),
      ],
      [ann],
    );
    expect(plan.map((p) => [p.ticketId, p.reasons.explanations.at(-1)])).toEqual([
      ['t1', 'load 0/2'],
      ['t2', 'load 1/2'],
    ]);
  });
});
