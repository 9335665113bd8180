import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { isSurveyAuthor, journeyCatalogue } from '@journey/contracts';
import type { ConversationEventOf, EventEnvelope } from '@journey/contracts';
import type { PersonalDataProtection } from '@journey/eventstore';
import { EventConsumer, MESSAGE_BUS, PERSONAL_DATA, STREAM_PARKING } from '@journey/messaging';
import type { MessageBus, StreamParking } from '@journey/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
import type { Interaction } from '../contact/domain/contact.decider';
import { IdentityResolution } from './identity-resolution';
import type { Observation } from './identity-resolution';

/** The timeline's summary of the satisfaction survey's message. */
export const SURVEY_SENT = 'satisfaction survey sent';

const excerpt = (text: string | undefined, max = 140) =>
  text === undefined ? undefined : text.length > max ? `${text.slice(0, max - 1)}…` : text;

/**
 * A conversation's event as the contracts shape it (the consumer checked it against the catalogue), or
 * undefined for the channels events that belong to no conversation.
 */
const conversationEvent = (envelope: EventEnvelope) =>
  envelope.type === 'channels.rules-configured.v1' || envelope.type === 'channels.email-message-indexed.v1'
    ? undefined
    : ({ type: envelope.type, data: envelope.data } as ConversationEventOf);

/** What the timeline shows of a channel event, or undefined for events that are not interactions. */
export function interactionOf(envelope: EventEnvelope): Omit<Interaction, 'sourceEventId'> | undefined {
  const event = conversationEvent(envelope);
  if (!event) return undefined;
  const base = {
    sourceType: envelope.type,
    channel: event.data.channel,
    channelId: event.data.channelId,
    conversationId: event.data.conversationId,
  };
  switch (event.type) {
    case 'channels.conversation-started.v1':
      return {
        ...base,
        kind: 'conversation-started',
        ...(event.data.subject ? { summary: excerpt(event.data.subject) } : {}),
        at: event.data.startedAt ?? envelope.time,
      };
    case 'channels.message-received.v1': {
      const d = event.data;
      const summary =
        excerpt(d.text) ??
        (d.customerAction ? `(${d.customerAction.name})` : `(${d.attachments.length} attachment(s))`);
      return { ...base, kind: 'message-received', summary, at: d.receivedAt ?? envelope.time };
    }
    case 'channels.message-sent.v1':
      return {
        ...base,
        kind: 'message-sent',
        // The survey's message carries a one-time rating link meant for the customer: agents read this
        // timeline, so it says the survey was sent, not the link.
        summary: isSurveyAuthor(event.data.author) ? SURVEY_SENT : (excerpt(event.data.text) as string),
        at: event.data.sentAt ?? envelope.time,
      };
    case 'channels.visitor-identified.v1':
      return { ...base, kind: 'visitor-identified', at: envelope.time };
    case 'channels.call-started.v1':
      return {
        ...base,
        kind: 'call',
        summary: event.data.direction === 'outbound' ? 'outbound call started' : 'call started',
        direction: event.data.direction,
        at: event.data.startedAt ?? envelope.time,
      };
    case 'channels.call-ended.v1':
      return {
        ...base,
        kind: 'call',
        summary: event.data.answered ? `call ended after ${event.data.durationSeconds} s` : 'missed call',
        at: event.data.endedAt ?? envelope.time,
      };
    default:
      return undefined;
  }
}

/** Attributes every channel interaction to a contact, resolving (and linking) the identities it carries. */
@Injectable()
export class ChannelEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: EventConsumer;

  constructor(
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @Inject(PERSONAL_DATA) personalData: PersonalDataProtection,
    @Inject(STREAM_PARKING) parking: StreamParking,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    private readonly resolution: IdentityResolution,
  ) {
    this.consumer = new EventConsumer({
      bus,
      groupId: `${config.kafka.consumerGroup}-resolution`,
      topics: ['journey.channels.v1'],
      // Decided in the event store with optimistic concurrency (built for replicas racing), so the
      // partitions of one replica may race too: the round trips of one message no longer wait for another's.
      partitionsConcurrently: config.kafka.partitionsConcurrently,
      catalogue: journeyCatalogue,
      personalData,
      parking,
      handle: (envelope) => this.handle(envelope),
      // A batch's identities and contacts are read together first; each message then decides from them.
      handleMany: (events) => this.handleMany(events.map((e) => e.envelope)),
      onDeadLetter: (_, reason) => this.logger.error({ reason }, 'identity resolution: dead-lettered'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
  }

  private async handle(envelope: EventEnvelope): Promise<void> {
    const observation = observationOf(envelope);
    if (observation) await this.resolution.observe(observation);
  }

  private async handleMany(envelopes: readonly EventEnvelope[]): Promise<void> {
    const observations = envelopes.flatMap((e) => observationOf(e) ?? []);
    if (observations.length === 0) return;
    const since = await this.resolution.prefetch(observations);
    for (const observation of observations) await this.resolution.observe(observation, false, since);
  }
}

/** What a channel event says about who the customer is, or undefined for events that are not interactions. */
function observationOf(envelope: EventEnvelope): Observation | undefined {
  const interaction = interactionOf(envelope);
  if (!interaction) return undefined;
  const event = conversationEvent(envelope);
  if (!event) return undefined;
  const { data } = event;
  const identities = 'identities' in data ? data.identities : [];
  const name = 'name' in data ? data.name : undefined;
  return {
    identities,
    conversationId: data.conversationId,
    // A site's identityHash vouches for the email, not for the name a visitor typed.
    ...(name
      ? {
          name,
          ...(envelope.type === 'channels.visitor-identified.v1' ? { nameSource: 'claimed' as const } : {}),
        }
      : {}),
    interaction: { ...interaction, sourceEventId: envelope.id },
    sourceEventId: envelope.id,
    correlationId: envelope.correlationId,
  };
}
