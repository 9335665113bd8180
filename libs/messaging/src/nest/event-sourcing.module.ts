import { Global, Inject, Injectable, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PostgresEventStore } from '@journey/eventstore';
import type { EventStore } from '@journey/eventstore';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
import { KafkaJsMessageBus } from '../bus/kafkajs-message-bus';
import type { MessageBus } from '../bus/message-bus';
import { EventRelay } from '../relay/event-relay';
import { JOURNEY_EVENT_TOPICS } from '../relay/journey-topics';

/** Injection token of the service's {@link EventStore}. */
export const EVENT_STORE = Symbol('EVENT_STORE');
/** Injection token of the service's {@link MessageBus}. */
export const MESSAGE_BUS = Symbol('MESSAGE_BUS');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Connects the event store, trying again for a while: a service may start before its database. */
async function connectEventStore(config: ServiceConfig, logger: Logger): Promise<EventStore> {
  const deadline = Date.now() + 30_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await PostgresEventStore.connect({ connectionString: config.eventStore.url });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      logger.warn({ err, attempt }, 'event store unreachable; trying again');
      await sleep(Math.min(5_000, 250 * 2 ** attempt));
    }
  }
}

/**
 * Runs the outbox relay in every replica of every service that writes events. They share one name,
 * so one replica relays and the others stand by to take over (PostgreSQL advisory lock).
 */
@Injectable()
class EventSourcingLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relay: EventRelay;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {
    this.relay = new EventRelay({
      name: 'journey',
      store,
      bus,
      connectionString: config.eventStore.url,
      topics: JOURNEY_EVENT_TOPICS,
      onError: (err) => this.logger.warn({ err }, 'relay: publishing failed; trying again'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.relay.start();
    this.logger.info({ leading: this.relay.leading }, 'event relay started');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop().catch((err: unknown) => this.logger.warn({ err }, 'relay stop failed'));
    await Promise.allSettled([this.bus.close(), this.store.close()]);
  }
}

/** The event store, the message bus and the relay between them, for a NestJS service. */
@Global()
@Module({})
export class EventSourcingModule {
  static forService(): DynamicModule {
    return {
      module: EventSourcingModule,
      providers: [
        {
          provide: EVENT_STORE,
          inject: [SERVICE_CONFIG, SERVICE_LOGGER],
          useFactory: connectEventStore,
        },
        {
          provide: MESSAGE_BUS,
          inject: [SERVICE_CONFIG],
          useFactory: (config: ServiceConfig) =>
            new KafkaJsMessageBus({
              clientId: `${config.kafka.clientId}-events`,
              brokers: config.kafka.brokers,
            }),
        },
        EventSourcingLifecycle,
      ],
      exports: [EVENT_STORE, MESSAGE_BUS],
    };
  }
}
