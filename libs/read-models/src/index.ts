import type { Projection } from '@journey/projections';
import { unifiedViewProjection } from './unified-view.projection';

export { STAGES, unifiedViewProjection } from './unified-view.projection';

/** A projection, the service whose MongoDB database holds it, and the topics its live path reads. */
export interface ReadModel {
  projection: Projection;
  service: 'channels' | 'contacts' | 'tickets' | 'knowledge' | 'analytics';
  topics: string[];
}

/** Every projection of the platform: what `journey projections` lists and `journey replay` rebuilds. */
export const READ_MODELS: readonly ReadModel[] = [
  { projection: unifiedViewProjection, service: 'contacts', topics: ['journey.contacts.v1'] },
];
