import type { Projection } from './projection';

/**
 * A projection as its service ships it: the service whose MongoDB database holds it, and the topics
 * its live path reads. Each service lists its own in `src/read-models.ts`; the replay entry point of
 * that service (and `journey replay`, which finds the services' lists) rebuilds them.
 */
export interface ReadModel {
  projection: Projection;
  service: string;
  topics: string[];
}
