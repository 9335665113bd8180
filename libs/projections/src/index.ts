export type { DocumentChange, ProjectedEvent, Projection } from './projection';
export { applyBatch, streamKey, VERSIONS_FIELD } from './read-model-writer';
export { ProjectionState, STATE_COLLECTION } from './projection-state';
export type { ProjectionStateDocument } from './projection-state';
export { catchUpProjection, rebuildProjection, toProjected } from './rebuild';
export type { RebuildOptions, RebuildProgress, RebuildResult } from './rebuild';
export { fromEnvelope, LiveProjection } from './live-projection';
export type { LiveProjectionOptions } from './live-projection';
