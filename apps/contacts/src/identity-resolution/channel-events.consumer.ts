import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { journeyCatalogue } from '@journey/contracts';
import type { ChannelIdentity, EventEnvelope } from '@journey/contracts';
import type { PersonalDataProtection } from '@journey/eventstore';
import { EventConsumer, MESSAGE_BUS, PERSONAL_DATA, STREAM_PARKING } from '@journey/messaging';
import type { MessageBus, StreamParking } from '@journey/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
import type { Interaction } from '../contact/domain/contact.decider';
import { IdentityResolution } from './identity-resolution';

interface ChannelData {
  conversationId: string;
  channel: Interaction['channel'];
  channelId: string;
  identities?: ChannelIdentity[];
  text?: string;
  subject?: string;
  attachments?: unknown[];
  customerAction?: { name: string };
  receivedAt?: string;
  sentAt?: string;
  startedAt?: string;
  endedAt?: string;
  answered?: boolean;
  durationSeconds?: number;
  name?: string;
}

const excerpt = (text: string | undefined, max = 140) =>
  text === undefined ? undefined : text.length > max ? `${text.slice(0, max - 1)}…` : text;

/** What the timeline shows of a channel event, or undefined for events that are not interactions. */
export function interactionOf(envelope: EventEnvelope): Omit<Interaction, 'sourceEventId'> | undefined {
  const d = envelope.data as ChannelData;
  const base = {
    sourceType: envelope.type,
    channel: d.channel,
    channelId: d.channelId,
    conversationId: d.conversationId,
  };
  switch (envelope.type) {
    case 'channels.conversation-started.v1':
      return {
        ...base,
        kind: 'conversation-started',
        ...(d.subject ? { summary: excerpt(d.subject) } : {}),
        at: d.startedAt ?? envelope.time,
      };
    case 'channels.message-received.v1': {
      const summary =
        excerpt(d.text) ??
        (d.customerAction ? `(${d.customerAction.name})` : `(${d.attachments?.length ?? 0} attachment(s))`);
      return {
        ...base,
        kind: 'message-received',
        summary: summary as string,
        at: d.receivedAt ?? envelope.time,
      };
    }
    case 'channels.message-sent.v1':
      return {
        ...base,
        kind: 'message-sent',
        summary: excerpt(d.text) as string,
        at: d.sentAt ?? envelope.time,
      };
    case 'channels.visitor-identified.v1':
      return { ...base, kind: 'visitor-identified', at: envelope.time };
    case 'channels.call-started.v1':
      return { ...base, kind: 'call', summary: 'call started', at: d.startedAt ?? envelope.time };
    case 'channels.call-ended.v1':
      return {
        ...base,
        kind: 'call',
        summary: d.answered ? `call ended after ${d.durationSeconds ?? 0} s` : 'missed call',
        at: d.endedAt ?? envelope.time,
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
      catalogue: journeyCatalogue,
      personalData,
      parking,
      handle: (envelope) => this.handle(envelope),
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
    const interaction = interactionOf(envelope);
    if (!interaction) return;
    const d = envelope.data as ChannelData;
    await this.resolution.observe({
      identities: d.identities ?? [],
      conversationId: d.conversationId,
      ...(d.name ? { name: d.name } : {}),
      interaction: { ...interaction, sourceEventId: envelope.id },
      sourceEventId: envelope.id,
      correlationId: envelope.correlationId,
    });
  }
}
