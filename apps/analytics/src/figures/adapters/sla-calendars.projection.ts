import type { TicketsEvent } from '@journey/contracts';
import type { DocumentChange, ProjectedEvent, Projection } from '@journey/projections';

/** The id of the one document: the calendars of the SLA policy book in force. */
export const SLA_CALENDARS_ID = 'book';

/**
 * The business-hours calendars of the SLA policy book (tickets.sla-policies-configured), which a
 * ticket's business times are measured in (its SLA policy names its calendar). The book in force
 * now measures every ticket, as help desks' reports do with the current schedule.
 */
export const slaCalendarsProjection: Projection = {
  name: 'sla-calendars',
  version: 1,
  eventTypes: ['tickets.sla-policies-configured.v1'],
  project(projected: ProjectedEvent): DocumentChange[] {
    const event = { type: projected.type, data: projected.data } as TicketsEvent;
    if (event.type !== 'tickets.sla-policies-configured.v1') return [];
    return [{ id: SLA_CALENDARS_ID, set: { calendars: event.data.book.calendars } }];
  },
};
