import type { ReadModel } from '@journey/projections';
import { conversationListProjection } from './conversation/adapters/conversation-list.projection';

/**
 * The projections the channels service owns, in its MongoDB database: what its replay entry point
 * (`node apps/channels/dist/replay.js`) rebuilds and what `journey projections` reports.
 */
export const CONVERSATION_LIST: ReadModel = {
  projection: conversationListProjection,
  service: 'channels',
  topics: ['journey.channels.v1', 'journey.contacts.v1'],
};

export const READ_MODELS: readonly ReadModel[] = [CONVERSATION_LIST];
