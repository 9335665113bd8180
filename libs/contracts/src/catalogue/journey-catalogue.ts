import { CHANNELS_EVENTS } from '../channels/channels.events';
import { CONTACTS_EVENTS } from '../contacts/contacts.events';
import { KNOWLEDGE_EVENTS } from '../knowledge/knowledge.events';
import { TICKETS_EVENTS } from '../tickets/tickets.events';
import { EventCatalogue } from './event-catalogue';

/** Every event type of the platform. Each context's events join here as the context is built. */
export const journeyCatalogue = new EventCatalogue([
  ...CHANNELS_EVENTS,
  ...CONTACTS_EVENTS,
  ...TICKETS_EVENTS,
  ...KNOWLEDGE_EVENTS,
]);
