// Telemetry first, so that the HTTP, Kafka, PostgreSQL and MongoDB clients loaded below are instrumented.
import './instrumentation';
import { runService } from '@journey/platform';
import { ticketsService } from './tickets.service';

void runService(ticketsService);
