export { EVENT_TYPE, eventEnvelopeSchema, eventMetadataSchema, eventTypeVersion } from './event-envelope';
export type { EventEnvelope, EventMetadata } from './event-envelope';
