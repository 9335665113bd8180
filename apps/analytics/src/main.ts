// Telemetry first, so that the HTTP, Kafka, PostgreSQL and MongoDB clients loaded below are instrumented.
import './instrumentation';
import { runService } from '@journey/platform';
import { analyticsService } from './analytics.service';

void runService(analyticsService);
