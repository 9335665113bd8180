export { EVENT_TYPE, eventEnvelopeSchema, eventMetadataSchema, eventTypeVersion } from './event-envelope';
export type { EventEnvelope, EventMetadata } from './event-envelope';
export { defineEvent, EventCatalogue } from './catalogue/event-catalogue';
export type {
  EventDefinition,
  EventOf,
  Upcaster,
  Validation,
  ValidationMode,
} from './catalogue/event-catalogue';
export { acceptErased, ERASED, mapPersonalData, personalValues } from './personal-data/personal-data';
export type { PersonalDataPath } from './personal-data/personal-data';
export { describeIssues } from './describe-issues';
export { journeyCatalogue } from './catalogue/journey-catalogue';
export * from './channels/channels.events';
export { buildAsyncApiDocument } from './asyncapi/asyncapi-document';
export * from './contacts/contacts.events';
export * from './tickets/tickets.events';
export * from './knowledge/knowledge.events';
export { boundedJson, boundedRecord, EVENT_MAX_BYTES, jsonBytes } from './size/size-limits';
export { serializedSizeBound, UnboundedField } from './size/serialized-size-bound';
export {
  addBusinessSeconds,
  ALWAYS_OPEN,
  businessSecondsBetween,
  calendarSchema,
  isOpen,
  WEEKDAYS,
} from './tickets/business-calendar';
export type { Calendar } from './tickets/business-calendar';
