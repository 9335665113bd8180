export { cliKafkaConnection, openReadModels, openStore, storeOptions } from './connections';
export type { StoreOptions } from './connections';
export { positiveInteger } from './option-parsers';
export { print, table } from './output';
export { projectionsCommand, projectionStatuses } from './projection-status';
export { replayCommand } from './replay-command';
export type { ReadModelSource } from './replay-command';
export { runReplayEntry } from './replay-entry';
export { runProgram } from './run-program';
