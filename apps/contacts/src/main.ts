// Telemetry first, so that the HTTP, Kafka, PostgreSQL and MongoDB clients loaded below are instrumented.
import './instrumentation';
import { runService } from '@journey/platform';
import { contactsService } from './contacts.service';

void runService(contactsService);
