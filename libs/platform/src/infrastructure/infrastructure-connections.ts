import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import mongoose from 'mongoose';
import type { Connection } from 'mongoose';
import pg from 'pg';
import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/service-config';
import { createKafka } from './kafka-client';

export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const SERVICE_LOGGER = Symbol('SERVICE_LOGGER');

/**
 * The three connections every service holds: the event store (PostgreSQL), the read models
 * (MongoDB wire) and Kafka. None of them blocks start-up: each reconnects on its own, and
 * readiness reports which one is down.
 */
@Injectable()
export class InfrastructureConnections implements OnApplicationShutdown {
  readonly eventStore: pg.Pool;
  readonly readModels: Connection;
  readonly kafka: Kafka;
  private kafkaAdmin: Promise<Admin> | undefined;
  private mongoConnecting: Promise<unknown> | undefined;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {
    this.eventStore = new pg.Pool({
      // With KurrentDB as the event store, this is the state database beside it; readiness pings both.
      connectionString: config.stateDatabase.url,
      max: 10,
      connectionTimeoutMillis: config.readinessTimeoutMs,
      application_name: `journey-${config.service}`,
    });
    // An idle client losing its server must not crash the process; the pool replaces it.
    this.eventStore.on('error', (err) => this.logger.warn({ err }, 'event store connection lost'));
    this.readModels = mongoose.createConnection();
    this.readModels.on('disconnected', () => this.logger.warn('read-model connection lost'));
    this.kafka = createKafka(config.kafka, `${config.kafka.clientId}-admin`, logger);
    void this.connectReadModels();
  }

  /** Opens the MongoDB connection if it is not open; concurrent callers share one attempt. */
  connectReadModels(): Promise<unknown> {
    if (this.readModels.readyState === mongoose.ConnectionStates.connected) return Promise.resolve();
    this.mongoConnecting ??= this.readModels
      .openUri(this.config.mongo.url, {
        serverSelectionTimeoutMS: this.config.readinessTimeoutMs,
        // Read models create their collections and indexes explicitly at start-up (syncIndexes), never
        // in the background where a second create can race the first.
        autoCreate: false,
        autoIndex: false,
      })
      .catch((err: unknown) => {
        this.logger.warn({ err }, 'read-model store unreachable; will retry on the next readiness check');
      })
      .finally(() => {
        this.mongoConnecting = undefined;
      });
    return this.mongoConnecting;
  }

  /** The read-model database (the driver's Db), connecting first if needed. */
  async readModelDb(): Promise<NonNullable<Connection['db']>> {
    await this.connectReadModels();
    const db = this.readModels.db;
    if (!db) throw new Error('the read-model store is not connected');
    return db;
  }

  /** Set by the event-sourcing module when the events live elsewhere than the state database (KurrentDB). */
  eventStoreProbe: (() => Promise<unknown>) | undefined;

  async pingEventStore(): Promise<void> {
    await Promise.all([this.eventStore.query('SELECT 1'), this.eventStoreProbe?.()]);
  }

  async pingReadModels(): Promise<void> {
    await this.connectReadModels();
    const db = this.readModels.db;
    if (!db) throw new Error('not connected');
    await db.admin().ping();
  }

  async pingKafka(): Promise<{ brokers: number }> {
    // Concurrent probes share one admin client; a failed connect is tried again on the next probe.
    this.kafkaAdmin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((err: unknown) => {
      this.kafkaAdmin = undefined;
      throw err;
    });
    const cluster = await (await this.kafkaAdmin).describeCluster();
    return { brokers: cluster.brokers.length };
  }

  async onApplicationShutdown(signal?: string): Promise<void> {
    const admin = this.kafkaAdmin?.then((a) => a.disconnect());
    await Promise.allSettled([admin, this.eventStore.end(), this.readModels.close()]);
    this.logger.info({ signal }, 'connections closed, shutting down');
  }
}
