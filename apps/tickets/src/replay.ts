// The tickets service's replay entry point: `node apps/tickets/dist/replay.js <projection> [options]`
// rebuilds a projection this service owns (blue/green, resumable); `--help` lists the options.
import { runReplayEntry } from '@journey/ops';
import { READ_MODELS } from './read-models';

runReplayEntry('tickets', READ_MODELS);
