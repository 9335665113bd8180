import type { ReadModel } from '@journey/projections';
import { agentBoardProjection } from './board/adapters/agent-board.projection';
import { routingContactsProjection } from './board/adapters/routing-contacts.projection';
import { ticketBoardProjection } from './board/adapters/ticket-board.projection';

/**
 * The projections the tickets service owns, in its MongoDB database: what its replay entry point
 * (`node apps/tickets/dist/replay.js`) rebuilds and what `journey projections` reports.
 */
export const TICKET_BOARD: ReadModel = {
  projection: ticketBoardProjection,
  service: 'tickets',
  topics: ['journey.tickets.v1'],
};
export const AGENT_BOARD: ReadModel = {
  projection: agentBoardProjection,
  service: 'tickets',
  topics: ['journey.tickets.v1'],
};
export const ROUTING_CONTACTS: ReadModel = {
  projection: routingContactsProjection,
  service: 'tickets',
  topics: ['journey.contacts.v1', 'journey.tickets.v1'],
};

export const READ_MODELS: readonly ReadModel[] = [TICKET_BOARD, AGENT_BOARD, ROUTING_CONTACTS];
