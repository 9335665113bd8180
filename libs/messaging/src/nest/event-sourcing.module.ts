import { Global, Inject, Injectable, Module } from '@nestjs/common';
import type { Db } from 'mongodb';
import type { DynamicModule, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { journeyCatalogue } from '@journey/contracts';
import {
  AggregateCaches,
  KurrentDbEventStore,
  PersonalDataEventStore,
  PersonalDataProtection,
  PostgresEventStore,
  PostgresPersonalDataKeys,
  CachedPersonalDataKeys,
} from '@journey/eventstore';
import type { EventStore, PersonalDataKeys } from '@journey/eventstore';
import {
  InfrastructureConnections,
  KeyedIds,
  keyedIdsKey,
  personalDataMasterKey,
  SERVICE_CONFIG,
  SERVICE_LOGGER,
} from '@journey/platform';
import { kafkaConnectionConfig, kafkaLogCreator, waitOutTransient } from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
import { KafkaJsMessageBus } from '../bus/kafkajs-message-bus';
import type { MessageBus } from '../bus/message-bus';
import { EventRelay } from '../relay/event-relay';
import { PostgresStreamParking } from '../parking/postgres-stream-parking';
import type { StreamParking } from '../parking/stream-parking';
import { JOURNEY_EVENT_TOPICS } from '../relay/journey-topics';

/** Injection token of the service's {@link EventStore}. */
export const EVENT_STORE = Symbol('EVENT_STORE');
/** Injection token of the service's {@link MessageBus}. */
export const MESSAGE_BUS = Symbol('MESSAGE_BUS');
/** Injection token of the consumers' {@link StreamParking} (the sequenced dead-letter queue). */
export const STREAM_PARKING = Symbol('STREAM_PARKING');
/** Injection token of the {@link PersonalDataProtection} (crypto-shredding) the store and consumers use. */
export const PERSONAL_DATA = Symbol('PERSONAL_DATA');
/** Injection token of the installation's {@link KeyedIds} (ids that personal data cannot compute). */
export const KEYED_IDS = Symbol('KEYED_IDS');
/** The service's AggregateCaches: deciders' states kept between commands. */
export const AGGREGATE_CACHES = Symbol('AGGREGATE_CACHES');
/** What a service's read models are fed and stored with (ReadModelFeed). */
export const READ_MODEL_FEED = Symbol('READ_MODEL_FEED');

/**
 * What every read model of a service shares: its MongoDB database, the bus and consumer group its
 * live paths read with, the catalogue and personal-data protection that check and open each event,
 * and where a stream's poison events are parked. (The shape ServedReadModel takes, less what to do
 * with a dead letter, which each owner says.)
 */
export interface ReadModelFeed {
  /** The read-model database, connected on first use. */
  db(): Promise<Db>;
  bus: MessageBus;
  consumerGroup: string;
  catalogue: typeof journeyCatalogue;
  personalData: PersonalDataProtection;
  parking: StreamParking;
}
const STORED_EVENTS = Symbol('STORED_EVENTS');
const PERSONAL_DATA_KEYS = Symbol('PERSONAL_DATA_KEYS');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Connects the event store the URL's scheme selects (PostgreSQL, or KurrentDB with PostgreSQL beside it
 * as the state database), trying again for a while: a service may start before its database.
 */
async function connectEventStore(
  config: ServiceConfig,
  logger: Logger,
  connections: InfrastructureConnections,
): Promise<EventStore> {
  if (config.eventStore.kind === 'kurrentdb') {
    const store = new KurrentDbEventStore(config.eventStore.url);
    connections.eventStoreProbe = () => store.readAll({ maxCount: 1 });
    return store;
  }
  // A database still starting is waited for, 30 s at most; a wrong password or database fails at once.
  const deadline = Date.now() + 30_000;
  return waitOutTransient(() => PostgresEventStore.connect({ connectionString: config.eventStore.url }), {
    delayMs: (attempt) => Math.min(5_000, 250 * 2 ** attempt),
    pause: async (ms) => Date.now() + ms < deadline && (await sleep(ms), true),
    onFault: (err, attempt) => logger.warn({ err, attempt }, 'event store unreachable; trying again'),
  });
}

/** The platform-wide relay of earlier versions, whose checkpoint each context's relay starts from. */
const LEGACY_RELAY = 'journey';

/**
 * Runs the outbox relays of the contexts this service owns (RELAY_CONTEXTS, by default its own): one relay,
 * one checkpoint and one lock per context, so that each context's events reach Kafka through its own service
 * (and its own Kafka principal, which may write that topic only), one replica relaying and the others
 * standing by to take over (PostgreSQL advisory lock).
 */
@Injectable()
class EventSourcingLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relays: EventRelay[];

  constructor(
    // The relay publishes events as stored: personal fields stay encrypted on Kafka.
    @Inject(STORED_EVENTS) private readonly store: EventStore,
    @Inject(PERSONAL_DATA_KEYS) private readonly keys: PersonalDataKeys,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(STREAM_PARKING) private readonly parking: StreamParking,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {
    this.relays = config.kafka.relayContexts.map((context) => {
      const topics = JOURNEY_EVENT_TOPICS.filter((t) => t.topic === `journey.${context}.v1`);
      return new EventRelay({
        name: `journey-${context}`,
        publishesTo: topics.map((t) => t.topic),
        startsFromCheckpointOf: LEGACY_RELAY,
        store,
        bus,
        connectionString: config.stateDatabase.url,
        topics,
        onError: (err) => this.logger.warn({ err, relay: context }, 'relay: publishing failed; trying again'),
      });
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const relay of this.relays) {
      await relay.start();
      this.logger.info({ relay: relay.name, leading: relay.leading }, 'event relay started');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(
      this.relays.map((relay) =>
        relay
          .stop()
          .catch((err: unknown) => this.logger.warn({ err, relay: relay.name }, 'relay stop failed')),
      ),
    );
    await Promise.allSettled([this.bus.close(), this.store.close(), this.keys.close(), this.parking.close()]);
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
          provide: STORED_EVENTS,
          inject: [SERVICE_CONFIG, SERVICE_LOGGER, InfrastructureConnections],
          useFactory: connectEventStore,
        },
        {
          provide: PERSONAL_DATA_KEYS,
          // After the store: connecting it waits for the database to come up.
          inject: [SERVICE_CONFIG, STORED_EVENTS],
          useFactory: async (config: ServiceConfig) => {
            const keys = await PostgresPersonalDataKeys.connect({
              connectionString: config.stateDatabase.url,
              masterKey: await personalDataMasterKey(config.personalData),
            });
            const { keys: maxKeys, ttlMs } = config.personalData.keyCache;
            return maxKeys > 0 ? new CachedPersonalDataKeys(keys, { maxKeys, ttlMs }) : keys;
          },
        },
        {
          provide: PERSONAL_DATA,
          inject: [PERSONAL_DATA_KEYS],
          useFactory: (keys: PersonalDataKeys) => new PersonalDataProtection(keys, journeyCatalogue),
        },
        {
          provide: EVENT_STORE,
          inject: [STORED_EVENTS, PERSONAL_DATA],
          useFactory: (stored: EventStore, protection: PersonalDataProtection) =>
            new PersonalDataEventStore(stored, protection),
        },
        {
          provide: STREAM_PARKING,
          // After the store: connecting it waits for the database to come up.
          inject: [SERVICE_CONFIG, STORED_EVENTS],
          useFactory: (config: ServiceConfig) =>
            PostgresStreamParking.connect({ connectionString: config.stateDatabase.url }),
        },
        {
          provide: MESSAGE_BUS,
          inject: [SERVICE_CONFIG, SERVICE_LOGGER],
          useFactory: (config: ServiceConfig, logger: Logger) =>
            new KafkaJsMessageBus({
              clientId: `${config.kafka.clientId}-events`,
              ...kafkaConnectionConfig(config.kafka),
              // kafkajs's own warnings go through the service's logger (its name, redaction, level).
              logCreator: kafkaLogCreator(logger),
            }),
        },
        {
          provide: READ_MODEL_FEED,
          inject: [InfrastructureConnections, MESSAGE_BUS, PERSONAL_DATA, STREAM_PARKING, SERVICE_CONFIG],
          useFactory: (
            connections: InfrastructureConnections,
            bus: MessageBus,
            personalData: PersonalDataProtection,
            parking: StreamParking,
            config: ServiceConfig,
          ): ReadModelFeed => ({
            // mongoose bundles its own copy of the driver; the two Db types describe the same object.
            db: async () => (await connections.readModelDb()) as unknown as Db,
            bus,
            consumerGroup: config.kafka.consumerGroup,
            catalogue: journeyCatalogue,
            personalData,
            parking,
          }),
        },
        {
          provide: AGGREGATE_CACHES,
          inject: [SERVICE_CONFIG],
          useFactory: (config: ServiceConfig) =>
            new AggregateCaches({
              maxStreams: config.aggregateCache.streams,
              ttlMs: config.aggregateCache.ttlMs,
            }),
        },
        {
          provide: KEYED_IDS,
          inject: [SERVICE_CONFIG],
          useFactory: async (config: ServiceConfig) => new KeyedIds(await keyedIdsKey(config.ids)),
        },
        EventSourcingLifecycle,
      ],
      exports: [
        EVENT_STORE,
        MESSAGE_BUS,
        PERSONAL_DATA,
        STREAM_PARKING,
        KEYED_IDS,
        READ_MODEL_FEED,
        AGGREGATE_CACHES,
      ],
    };
  }
}
