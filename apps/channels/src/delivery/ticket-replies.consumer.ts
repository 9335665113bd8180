import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ERASED, journeyCatalogue } from '@journey/contracts';
import type { EventEnvelope, TicketsEvent } from '@journey/contracts';
import type { PersonalDataProtection } from '@journey/eventstore';
import { EventConsumer, MESSAGE_BUS, PERSONAL_DATA, STREAM_PARKING } from '@journey/messaging';
import type { MessageBus, StreamParking } from '@journey/messaging';
import { PermanentFailure, SERVICE_CONFIG, SERVICE_LOGGER } from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
import { WebChat } from '../chat/web-chat';
import { Conversations } from '../conversation/conversations';

/** Where a customer answers a survey: the token is appended (CSAT_LINK_BASE, default the local tickets API). */
const csatLinkBase = () =>
  (process.env['CSAT_LINK_BASE'] ?? 'http://127.0.0.1:3103/v1/csat').replace(/\/$/, '');

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
    private readonly conversations: Conversations,
    private readonly chat: WebChat,
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

  private async send(
    envelope: EventEnvelope,
    conversationId: string,
    messageId: string,
    author: { kind: 'agent' | 'automation'; id: string },
    text: string,
    attachments: { reference: string; contentType: string; name?: string; sizeBytes?: number }[],
  ): Promise<void> {
    const outcome = await this.conversations.execute(
      conversationId,
      { kind: 'send-reply', messageId, author, text, attachments, sentAt: new Date().toISOString() },
      {
        correlationId: envelope.correlationId,
        causationId: envelope.id,
        commandKey: `ticket-reply:${messageId}`,
      },
    );
    // A conversation that cannot take it (erased, a phone call) will not take it on a retry either.
    if (!outcome.ok) throw new PermanentFailure(outcome.reason);
    const sent = outcome.events.find((e) => e.type === 'channels.message-sent.v1');
    if (sent?.data.channel === 'web-chat') await this.chat.push(conversationId, messageId, author.kind, text);
  }

  private async handle(envelope: EventEnvelope): Promise<void> {
    const event = { type: envelope.type, data: envelope.data } as TicketsEvent;
    if (event.type === 'tickets.reply-posted.v1') {
      const d = event.data;
      if (!d.conversationId || d.text === ERASED) return; // a ticket without a conversation has no one to send to
      await this.send(
        envelope,
        d.conversationId,
        d.replyId,
        { kind: 'agent', id: d.authorId },
        d.text,
        d.attachments,
      );
      return;
    }
    if (event.type === 'tickets.csat-requested.v1') {
      const d = event.data;
      if (!d.conversationId || d.token === ERASED) return;
      const text = `How did we do? Rate this conversation from 1 to 5: ${csatLinkBase()}/${encodeURIComponent(d.token)}`;
      await this.send(envelope, d.conversationId, d.surveyId, { kind: 'automation', id: 'csat' }, text, []);
    }
  }
}
