import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ERASED, journeyCatalogue } from '@journey/contracts';
import type { EventEnvelope, TicketsEvent } from '@journey/contracts';
import type { PersonalDataProtection } from '@journey/eventstore';
import { EventConsumer, MESSAGE_BUS, PERSONAL_DATA, STREAM_PARKING } from '@journey/messaging';
import type { MessageBus, StreamParking } from '@journey/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
import { CSAT_AUTHOR, surveyText } from './csat-survey';
import { OutboundReplies } from './outbound-replies';

/**
 * Sends what the tickets service decides to say to a customer: an agent's public reply (recorded as
 * the conversation's message-sent with the reply's id, then delivered by the delivery worker, or pushed
 * to the web chat) and the satisfaction survey on solve. Internal notes never travel here: tickets
 * does not publish them for channels. Redelivered, it sends nothing twice (the message id is the reply id).
 */
@Injectable()
export class TicketRepliesConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: EventConsumer;

  constructor(
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @Inject(PERSONAL_DATA) personalData: PersonalDataProtection,
    @Inject(STREAM_PARKING) parking: StreamParking,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    private readonly replies: OutboundReplies,
  ) {
    this.consumer = new EventConsumer({
      bus,
      groupId: `${config.kafka.consumerGroup}-ticket-replies`,
      topics: ['journey.tickets.v1'],
      catalogue: journeyCatalogue,
      personalData,
      parking,
      handle: (envelope) => this.handle(envelope),
      onDeadLetter: (_, reason) => this.logger.error({ reason }, 'ticket replies: dead-lettered'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
  }

  private async handle(envelope: EventEnvelope): Promise<void> {
    const event = { type: envelope.type, data: envelope.data } as TicketsEvent;
    if (event.type === 'tickets.reply-posted.v1') {
      const d = event.data;
      if (!d.conversationId || d.text === ERASED) return; // a ticket without a conversation has no one to send to
      await this.replies.send(envelope, {
        conversationId: d.conversationId,
        messageId: d.replyId,
        author: { kind: 'agent', id: d.authorId },
        text: d.text,
        attachments: d.attachments,
      });
      return;
    }
    if (event.type === 'tickets.csat-requested.v1') {
      const d = event.data;
      if (!d.conversationId || d.token === ERASED) return;
      const text = surveyText(d.token);
      await this.replies.send(envelope, {
        conversationId: d.conversationId,
        messageId: d.surveyId,
        author: { kind: 'automation', id: CSAT_AUTHOR },
        text,
        attachments: [],
      });
    }
  }
}
