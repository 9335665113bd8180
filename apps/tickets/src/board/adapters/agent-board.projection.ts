import { ERASED } from '@journey/contracts';
import type { DocumentChange, ProjectedEvent, Projection } from '@journey/projections';

type Data = Record<string, unknown>;

/**
 * Agents and groups as the supervisor view and the dispatcher list them: an agent's profile,
 * presence and the tickets they hold (per channel), a group's tier and escalation. The dispatcher
 * reads only who is in a group here; their capacity and load it reads from their streams.
 */
export const agentBoardProjection: Projection = {
  name: 'agent-board',
  version: 1,
  // Routing reads a group's members and the VIP groups.
  indexes: [
    { key: { kind: 1, groups: 1 }, name: 'by_kind_group' },
    { key: { kind: 1, tier: 1 }, name: 'by_kind_tier' },
  ],
  eventTypes: [
    'tickets.agent-profile-set.v1',
    'tickets.agent-presence-changed.v1',
    'tickets.agent-ticket-claimed.v1',
    'tickets.agent-ticket-released.v1',
    'tickets.group-configured.v1',
  ],
  project(event: ProjectedEvent): DocumentChange[] {
    const d = event.data as Data;
    switch (event.type) {
      case 'tickets.agent-profile-set.v1': {
        const { by: _by, name, ...profile } = d;
        return [
          {
            id: `agent:${d['agentId'] as string}`,
            set: { kind: 'agent', ...profile, ...(name !== undefined && name !== ERASED ? { name } : {}) },
            setOnInsert: { presence: 'offline' },
          },
        ];
      }
      case 'tickets.agent-presence-changed.v1':
        return [
          { id: `agent:${d['agentId'] as string}`, set: { presence: d['presence'], presenceSince: d['at'] } },
        ];
      case 'tickets.agent-ticket-claimed.v1':
        return [
          {
            id: `agent:${d['agentId'] as string}`,
            set: { [`claims.${d['ticketId'] as string}`]: d['channel'] },
          },
        ];
      case 'tickets.agent-ticket-released.v1':
        return [
          { id: `agent:${d['agentId'] as string}`, unset: { [`claims.${d['ticketId'] as string}`]: true } },
        ];
      case 'tickets.group-configured.v1': {
        const { by: _by, ...group } = d;
        return [{ id: `group:${d['groupId'] as string}`, set: { kind: 'group', ...group } }];
      }
      default:
        return [];
    }
  },
};
