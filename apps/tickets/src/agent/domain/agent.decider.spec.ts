import { agentDecider, AT_CAPACITY, NOT_ONLINE } from './agent.decider';
import type { AgentCommand, AgentEvent } from './agent.decider';

const at = '2026-11-24T10:00:00.000Z';
const profile: AgentEvent = {
  type: 'tickets.agent-profile-set.v1',
  data: {
    agentId: 'a1',
    groups: ['support'],
    skills: [],
    languages: [],
    channels: [],
    capacity: { email: 1, default: 2 },
    traits: {},
    by: 'admin',
  },
};
const online: AgentEvent = {
  type: 'tickets.agent-presence-changed.v1',
  data: { agentId: 'a1', presence: 'online', by: 'a1', at },
};
const decide = (events: AgentEvent[], command: AgentCommand) =>
  agentDecider.decide(command, events.reduce(agentDecider.evolve, agentDecider.initialState()));
const claim = (ticketId: string, channel: 'email' | 'wechat' | 'none' = 'email'): AgentCommand => ({
  kind: 'claim',
  ticketId,
  channel,
  at,
});
const claimed = (ticketId: string, channel: 'email' | 'wechat' | 'none' = 'email'): AgentEvent => ({
  type: 'tickets.agent-ticket-claimed.v1',
  data: { agentId: 'a1', ticketId, channel, at },
});

describe('the agent decider', () => {
  it('takes a ticket only while online and under the capacity of its channel (the default for the others)', () => {
    expect(decide([profile], claim('t1'))).toEqual({ rejected: true, reason: NOT_ONLINE });
    expect(decide([profile, online], claim('t1'))).toEqual([claimed('t1')]);
    expect(decide([profile, online, claimed('t1')], claim('t2'))).toEqual({
      rejected: true,
      reason: AT_CAPACITY,
    });
    expect(decide([profile, online, claimed('t1')], claim('t2', 'wechat'))).toEqual([
      claimed('t2', 'wechat'),
    ]);
    expect(
      decide(
        [profile, online, claimed('t1'), claimed('t2', 'wechat'), claimed('t3', 'wechat')],
        claim('t4', 'wechat'),
      ),
    ).toEqual({
      rejected: true,
      reason: AT_CAPACITY,
    });
  });

  it('claims and releases once each, and a freed slot can be taken again', () => {
    expect(decide([profile, online, claimed('t1')], claim('t1'))).toEqual([]);
    const released: AgentEvent = {
      type: 'tickets.agent-ticket-released.v1',
      data: { agentId: 'a1', ticketId: 't1', at },
    };
    expect(decide([profile, online, claimed('t1')], { kind: 'release', ticketId: 't1', at })).toEqual([
      released,
    ]);
    expect(
      decide([profile, online, claimed('t1'), released], { kind: 'release', ticketId: 't1', at }),
    ).toEqual([]);
    expect(decide([profile, online, claimed('t1'), released], claim('t2'))).toEqual([claimed('t2')]);
  });
});
