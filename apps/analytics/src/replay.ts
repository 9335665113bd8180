// The analytics service's replay entry point: `node apps/analytics/dist/replay.js <projection> [options]`
// rebuilds a projection this service owns (blue/green, resumable); `--help` lists the options.
import { runReplayEntry } from '@journey/ops';
import { READ_MODELS } from './read-models';

runReplayEntry('analytics', READ_MODELS);
