import type { ReadModel } from '@journey/projections';
import { reportContactsProjection } from './figures/adapters/report-contacts.projection';
import { slaCalendarsProjection } from './figures/adapters/sla-calendars.projection';
import { ticketRecordsProjection } from './figures/adapters/ticket-records.projection';
import {
  journeyFactsProjection,
  knowledgeFactsProjection,
} from './journey/adapters/journey-facts.projection';

/**
 * The projections the analytics service owns, in its MongoDB database: what its replay entry point
 * (`node apps/analytics/dist/replay.js`) rebuilds and what `journey projections` reports.
 */
export const TICKET_RECORDS: ReadModel = {
  projection: ticketRecordsProjection,
  service: 'analytics',
  topics: ['journey.tickets.v1'],
};
export const SLA_CALENDARS: ReadModel = {
  projection: slaCalendarsProjection,
  service: 'analytics',
  topics: ['journey.tickets.v1'],
};
export const REPORT_CONTACTS: ReadModel = {
  projection: reportContactsProjection,
  service: 'analytics',
  topics: ['journey.contacts.v1'],
};

export const JOURNEY_FACTS: ReadModel = {
  projection: journeyFactsProjection,
  service: 'analytics',
  topics: ['journey.contacts.v1'],
};
export const KNOWLEDGE_FACTS: ReadModel = {
  projection: knowledgeFactsProjection,
  service: 'analytics',
  topics: ['journey.knowledge.v1'],
};

export const READ_MODELS: readonly ReadModel[] = [
  TICKET_RECORDS,
  SLA_CALENDARS,
  REPORT_CONTACTS,
  JOURNEY_FACTS,
  KNOWLEDGE_FACTS,
];
