// Telemetry first, so that the HTTP, Kafka, PostgreSQL and MongoDB clients loaded below are instrumented.
import './instrumentation';
import { runService } from '@journey/platform';
import { channelsService } from './channels.service';

void runService(channelsService);
