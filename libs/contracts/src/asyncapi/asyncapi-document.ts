import { z } from 'zod';
import { journeyCatalogue } from '../catalogue/journey-catalogue';
import type { EventCatalogue, EventDefinition } from '../catalogue/event-catalogue';
import { eventMetadataSchema } from '../event-envelope';

const CONTEXTS = ['channels', 'contacts', 'tickets', 'knowledge'] as const;

const pascal = (text: string) =>
  text
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join('');

const messageId = (type: string) => pascal(type);

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-7',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest;
}

function envelopeFor(definition: EventDefinition): Record<string, unknown> {
  const metadata = jsonSchema(eventMetadataSchema) as {
    properties: Record<string, unknown>;
    required: string[];
  };
  return {
    type: 'object',
    description: 'CloudEvents 1.0 structured-mode envelope',
    required: [
      'specversion',
      'id',
      'type',
      'subject',
      'data',
      ...metadata.required,
      ...(definition.contactScoped ? ['contactId'] : []),
    ],
    properties: {
      specversion: { const: '1.0' },
      id: { type: 'string', format: 'uuid' },
      type: { const: definition.type },
      subject: { type: 'string', description: 'the stream id (also the Kafka message key)' },
      ...metadata.properties,
      data: jsonSchema(definition.schema),
    },
  };
}

const headers = {
  type: 'object',
  properties: {
    ce_id: { type: 'string' },
    ce_type: { type: 'string' },
    ce_source: { type: 'string' },
    ce_subject: { type: 'string' },
    ce_time: { type: 'string', format: 'date-time' },
    traceparent: { type: 'string', description: 'W3C trace context of the write that produced the event' },
    'journey-correlation-id': { type: 'string' },
    'journey-stream-revision': { type: 'string', description: '0-based revision of the event in its stream' },
  },
};

/** The AsyncAPI 3.0 document of every topic and event type, built from the event catalogue. */
export function buildAsyncApiDocument(
  catalogue: EventCatalogue = journeyCatalogue,
  version = '0.1.0',
): Record<string, unknown> {
  const events = catalogue.list();
  const messages = Object.fromEntries(
    events.map((d) => [
      messageId(d.type),
      {
        name: d.type,
        title: d.type,
        summary: d.description,
        ...(d.personalData?.length
          ? {
              description:
                'Personal fields (x-personal-data, paths into data) travel encrypted as "pd1.<generation>.<base64url>" under the key of the contact (or, for events without contactId, of the stream); decrypt them with PersonalDataProtection from @journey/eventstore. After an erasure they read as "[erased]".',
              'x-personal-data': d.personalData,
            }
          : {}),
        contentType: 'application/cloudevents+json',
        headers,
        payload: envelopeFor(d),
        bindings: {
          kafka: {
            key: { type: 'string', description: 'stream id: one stream stays in order' },
            bindingVersion: '0.5.0',
          },
        },
      },
    ]),
  );
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const context of CONTEXTS) {
    const own = events.filter((d) => d.type.startsWith(`${context}.`));
    channels[`${context}Events`] = {
      address: `journey.${context}.v1`,
      title: `${context} events`,
      description: own.length
        ? `Every event the ${context} service appends, relayed from the event store in commit order per stream.`
        : `Events of the ${context} service; none is defined yet.`,
      messages: Object.fromEntries(
        own.map((d) => [messageId(d.type), { $ref: `#/components/messages/${messageId(d.type)}` }]),
      ),
      bindings: {
        kafka: {
          topic: `journey.${context}.v1`,
          partitions: 6,
          topicConfiguration: { 'retention.ms': 1_209_600_000 },
          bindingVersion: '0.5.0',
        },
      },
    };
    if (own.length) {
      operations[`relay${pascal(context)}Events`] = {
        action: 'send',
        channel: { $ref: `#/channels/${context}Events` },
        summary: `The relay publishes the ${context} service's events.`,
        messages: own.map((d) => ({ $ref: `#/channels/${context}Events/messages/${messageId(d.type)}` })),
      };
    }
  }
  for (const [id, address, description] of [
    [
      'deadLetters',
      'journey.dlq.{groupId}',
      "A consumer group's dead letters: the original message plus journey-dlq-* headers saying why it failed.",
    ],
    ['retries', 'journey.retry.{groupId}', 'Dead letters redriven to one consumer group after a fix.'],
  ] as const) {
    channels[id] = {
      address,
      description,
      parameters: { groupId: { description: 'the consumer group, e.g. journey-contacts' } },
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Customer-journey platform events',
      version,
      description:
        'Every customer interaction is appended once to the event store and relayed to Kafka. Generated from libs/contracts; do not edit by hand (npx nx run contracts:asyncapi).',
    },
    defaultContentType: 'application/cloudevents+json',
    servers: {
      local: {
        host: '127.0.0.1:19092',
        protocol: 'kafka',
        description: 'the broker `npm run infra:up` starts',
      },
    },
    channels,
    operations,
    components: { messages },
  };
}
