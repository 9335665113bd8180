import type { ReadModel } from '@journey/projections';
import { customerTimelineProjection } from './unified-view/adapters/customer-timeline.projection';
import { unifiedViewProjection } from './unified-view/adapters/unified-view.projection';

/**
 * The projections the contacts service owns, in its MongoDB database: what its replay entry point
 * (`node apps/contacts/dist/replay.js`) rebuilds and what `journey projections` reports.
 */
export const UNIFIED_VIEW: ReadModel = {
  projection: unifiedViewProjection,
  service: 'contacts',
  topics: ['journey.contacts.v1'],
};

/** The customer's timeline, one document per entry; the tickets' facts about a customer are on it too. */
export const CUSTOMER_TIMELINE: ReadModel = {
  projection: customerTimelineProjection,
  service: 'contacts',
  topics: ['journey.contacts.v1', 'journey.tickets.v1'],
};

export const READ_MODELS: readonly ReadModel[] = [UNIFIED_VIEW, CUSTOMER_TIMELINE];
