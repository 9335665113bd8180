import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { journeyCatalogue } from '@journey/contracts';
import type { EventEnvelope } from '@journey/contracts';
import type { AggregateCaches, PersonalDataProtection } from '@journey/eventstore';
import {
  AGGREGATE_CACHES,
  EventConsumer,
  MESSAGE_BUS,
  PERSONAL_DATA,
  STREAM_PARKING,
} from '@journey/messaging';
import type { MessageBus, StreamParking } from '@journey/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
import { Conversations } from '../conversations';
import { conversationStream } from '../domain/conversation-ids';

/**
 * Acts on contacts' personal-data-erased: each conversation it lists is closed (the thread goes on
 * in a new conversation if the customer writes again), then its key is deleted, so its words and
 * identities read as [erased] in the store, on Kafka and in every replay. Contacts never touches
 * channels' streams or keys. Redelivered, it closes nothing twice and deletes the deleted key again.
 */
@Injectable()
export class ConversationErasureConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: EventConsumer;

  constructor(
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @Inject(PERSONAL_DATA) private readonly personalData: PersonalDataProtection,
    @Inject(STREAM_PARKING) parking: StreamParking,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(AGGREGATE_CACHES) private readonly caches: AggregateCaches,
    private readonly conversations: Conversations,
  ) {
    this.consumer = new EventConsumer({
      bus,
      groupId: `${config.kafka.consumerGroup}-erasure`,
      topics: ['journey.contacts.v1'],
      catalogue: journeyCatalogue,
      personalData,
      parking,
      handle: (envelope) => this.handle(envelope),
      onDeadLetter: (_, reason) => this.logger.error({ reason }, 'conversation erasure: dead-lettered'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
  }

  private async handle(envelope: EventEnvelope): Promise<void> {
    if (envelope.type !== 'contacts.personal-data-erased.v1') return;
    const { conversationIds, erasedAt } = envelope.data as { conversationIds: string[]; erasedAt: string };
    for (const conversationId of conversationIds) {
      const outcome = await this.conversations.execute(
        conversationId,
        { kind: 'erase', erasedAt },
        {
          correlationId: envelope.correlationId,
          causationId: envelope.id,
          commandKey: `erase:${envelope.id}:${conversationId}`,
        },
      );
      if (!outcome.ok) throw new Error(outcome.reason);
      await this.personalData.erase([conversationStream(conversationId)]);
      // Nothing opened before the erasure stays in memory (the states commands start from).
      this.caches.forget();
    }
    this.logger.info({ conversations: conversationIds.length }, 'conversations erased');
  }
}
