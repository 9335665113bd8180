export type { DocumentChange, ProjectedEvent, Projection, ReadModelIndex } from './projection';
export type { ReadModel } from './read-model';
export {
  applyBatch,
  ensureIndexes,
  GUARD_FIELD,
  servedFields,
  streamKey,
  VERSIONS_FIELD,
  WriteConflict,
} from './read-model-writer';
export type { DocumentVersions, VersionCache } from './read-model-writer';
export { ProjectionState, STATE_COLLECTION } from './projection-state';
export type { ProjectionStateDocument } from './projection-state';
export {
  abandonBuild,
  buildParkingGroup,
  catchUpProjection,
  rebuildProjection,
  toProjected,
} from './rebuild';
export { replayPass } from './replay-pass';
export type { ReplayParking, ReplayPassOptions } from './replay-pass';
export type { RebuildOptions, RebuildProgress, RebuildResult } from './rebuild';
export { fromEnvelope, LiveProjection } from './live-projection';
export type { LiveProjectionOptions } from './live-projection';
export { ServedReadModel, ServedReadModels } from './served-read-model';
export type { ServedReadModelOptions } from './served-read-model';
