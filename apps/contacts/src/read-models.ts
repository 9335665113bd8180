import type { ReadModel } from '@journey/projections';
import { unifiedViewProjection } from './unified-view/adapters/unified-view.projection';

/**
 * The projections the contacts service owns, in its MongoDB database: what its replay entry point
 * (`node apps/contacts/dist/replay.js`) rebuilds and what `journey projections` reports.
 */
export const UNIFIED_VIEW: ReadModel = {
  projection: unifiedViewProjection,
  service: 'contacts',
  // The tickets' facts about a customer (opened, transferred, escalated, rated) are on their timeline too.
  topics: ['journey.contacts.v1', 'journey.tickets.v1'],
};

export const READ_MODELS: readonly ReadModel[] = [UNIFIED_VIEW];
