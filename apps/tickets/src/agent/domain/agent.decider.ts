import { reject } from '@journey/eventstore';
import type { Decider } from '@journey/eventstore';
import type { AgentEventOf, AgentPresence } from '@journey/contracts';
import { sameData } from '../../domain-equality';

export type AgentEvent = AgentEventOf;
export type AgentProfile = Omit<Extract<AgentEvent, { type: 'tickets.agent-profile-set.v1' }>['data'], 'by'>;
/** A ticket's channel for capacity ('none' for a ticket that has no conversation). */
export type CapacityChannel = Extract<
  AgentEvent,
  { type: 'tickets.agent-ticket-claimed.v1' }
>['data']['channel'];

export interface AgentState {
  profile?: AgentProfile;
  presence: AgentPresence;
  /** The tickets the agent holds, with the channel each counts against. */
  claims: Map<string, CapacityChannel>;
}

export type AgentCommand =
  | { kind: 'set-profile'; profile: AgentProfile; by: string }
  | { kind: 'set-presence'; presence: AgentPresence; by: string; at: string }
  | { kind: 'claim'; ticketId: string; channel: CapacityChannel; at: string }
  | { kind: 'release'; ticketId: string; at: string };

/** How many tickets of a channel the agent may hold: the channel's own capacity, else the default. */
export function capacityFor(profile: AgentProfile, channel: CapacityChannel): number {
  const own = channel === 'none' ? undefined : profile.capacity[channel];
  return own ?? profile.capacity.default ?? 0;
}

/** How many tickets of a channel the agent holds now. */
export function loadFor(state: Pick<AgentState, 'claims'>, channel: CapacityChannel): number {
  let n = 0;
  for (const c of state.claims.values()) if (c === channel) n += 1;
  return n;
}

export const NOT_ONLINE = 'the agent is not online';
export const AT_CAPACITY = 'the agent is at capacity for this channel';

/**
 * An agent's stream: their profile and presence, and the tickets they hold. Capacity is decided here,
 * from the stream, with optimistic concurrency: two replicas claiming the last free slot at once
 * cannot both succeed.
 */
export const agentDecider: Decider<AgentCommand, AgentState, AgentEvent> = {
  initialState: () => ({ presence: 'offline', claims: new Map() }),
  evolve(state, event) {
    switch (event.type) {
      case 'tickets.agent-profile-set.v1': {
        const { by: _by, ...profile } = event.data;
        return { ...state, profile };
      }
      case 'tickets.agent-presence-changed.v1':
        return { ...state, presence: event.data.presence };
      case 'tickets.agent-ticket-claimed.v1':
        return { ...state, claims: new Map(state.claims).set(event.data.ticketId, event.data.channel) };
      case 'tickets.agent-ticket-released.v1': {
        const claims = new Map(state.claims);
        claims.delete(event.data.ticketId);
        return { ...state, claims };
      }
      default:
        return state;
    }
  },
  decide(command, state) {
    switch (command.kind) {
      case 'set-profile':
        if (state.profile && sameData(state.profile, command.profile)) return [];
        return [{ type: 'tickets.agent-profile-set.v1', data: { ...command.profile, by: command.by } }];
      case 'set-presence':
        if (!state.profile) return reject('no such agent');
        if (state.presence === command.presence) return [];
        return [
          {
            type: 'tickets.agent-presence-changed.v1',
            data: {
              agentId: state.profile.agentId,
              presence: command.presence,
              by: command.by,
              at: command.at,
            },
          },
        ];
      case 'claim': {
        if (!state.profile) return reject('no such agent');
        if (state.claims.has(command.ticketId)) return [];
        if (state.presence !== 'online') return reject(NOT_ONLINE);
        if (loadFor(state, command.channel) >= capacityFor(state.profile, command.channel))
          return reject(AT_CAPACITY);
        return [
          {
            type: 'tickets.agent-ticket-claimed.v1',
            data: {
              agentId: state.profile.agentId,
              ticketId: command.ticketId,
              channel: command.channel,
              at: command.at,
            },
          },
        ];
      }
      case 'release':
        if (!state.profile || !state.claims.has(command.ticketId)) return [];
        return [
          {
            type: 'tickets.agent-ticket-released.v1',
            data: { agentId: state.profile.agentId, ticketId: command.ticketId, at: command.at },
          },
        ];
    }
  },
};
