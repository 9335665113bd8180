import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { journeyCatalogue } from '@journey/contracts';
import type { EventEnvelope, KnowledgeEvent } from '@journey/contracts';
import type { PersonalDataProtection } from '@journey/eventstore';
import { EventConsumer, MESSAGE_BUS, PERSONAL_DATA, STREAM_PARKING } from '@journey/messaging';
import type { MessageBus, StreamParking } from '@journey/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
import { CONVERSATION_ERASED, CONVERSATION_NOT_FOUND } from '../conversation/domain/conversation.decider';
import { OutboundReplies } from './outbound-replies';

/**
 * Sends knowledge's automatic answers: an auto-answer decision of `answered` becomes a message from
 * the `auto-answer` automation on the customer's conversation, on its channel. Hand-offs send nothing
 * (an agent answers). Redelivered, it sends once: the message id is the answer's reply id.
 */
@Injectable()
export class AutoAnswersConsumer implements OnApplicationBootstrap, OnModuleDestroy {
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
      groupId: `${config.kafka.consumerGroup}-auto-answers`,
      topics: ['journey.knowledge.v1'],
      catalogue: journeyCatalogue,
      personalData,
      parking,
      handle: (envelope) => this.handle(envelope),
      onDeadLetter: (_, reason) => this.logger.error({ reason }, 'auto-answers: dead-lettered'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
  }

  private async handle(envelope: EventEnvelope): Promise<void> {
    const event = { type: envelope.type, data: envelope.data } as KnowledgeEvent;
    if (event.type !== 'knowledge.auto-answer-decided.v1') return;
    const d = event.data;
    if (d.decision !== 'answered' || !d.answer) return;
    // An automatic answer nobody can receive (a conversation erased since, or one this store never had:
    // another installation's decision on a shared broker) is dropped, not parked: no redrive could send it.
    const dropped = await this.replies.send(
      envelope,
      {
        conversationId: d.conversationId,
        messageId: d.answer.replyId,
        author: { kind: 'automation', id: 'auto-answer' },
        text: d.answer.text,
        attachments: [],
      },
      [CONVERSATION_NOT_FOUND, CONVERSATION_ERASED],
    );
    if (dropped) this.logger.warn({ reason: dropped }, 'auto-answers: an answer was not sent');
  }
}
