export { EVENT_TYPE, eventEnvelopeSchema, eventMetadataSchema, eventTypeVersion } from './event-envelope';
export type { EventEnvelope, EventMetadata } from './event-envelope';
export { defineEvent, EventCatalogue } from './catalogue/event-catalogue';
export type { EventDefinition, Upcaster, Validation } from './catalogue/event-catalogue';
export { describeIssues } from './describe-issues';
export { journeyCatalogue } from './catalogue/journey-catalogue';
export * from './channels/channels.events';
export { buildAsyncApiDocument } from './asyncapi/asyncapi-document';
export * from './contacts/contacts.events';
