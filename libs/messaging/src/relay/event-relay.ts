import pg from 'pg';
import { START } from '@journey/eventstore';
import type { EventStore, LogPosition, Subscription } from '@journey/eventstore';
import type { MessageBus, TopicSpec } from '../bus/message-bus';
import { RelayCheckpoints } from './relay-checkpoints';
import { toMessage } from './event-message';

export interface EventRelayOptions {
  /** Names the checkpoint and the lock: one active relay per name, however many replicas run. */
  name: string;
  store: EventStore;
  bus: MessageBus;
  /** The event store's database, for the checkpoint table and the leader lock. */
  connectionString: string;
  schema?: string;
  batchSize?: number;
  /** Topics created (if missing) before the first publish. */
  topics?: TopicSpec[];
  /** How often a standby replica tries to take over (default 2 s). */
  standbyRetryMs?: number;
  onError?(error: unknown): void;
}

/**
 * The outbox relay: tails the event store's global log from a durable checkpoint and publishes each
 * batch to Kafka before moving the checkpoint. At-least-once: a crash between publish and checkpoint
 * republishes that batch, and consumers deduplicate. An append that succeeded always reaches Kafka.
 */
export class EventRelay {
  private readonly pool: pg.Pool;
  private readonly checkpoints: RelayCheckpoints;
  private lockClient: pg.PoolClient | undefined;
  private subscription: Subscription | undefined;
  private stopped = false;
  private standbyTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  published = 0;
  position: LogPosition = START;

  constructor(private readonly options: EventRelayOptions) {
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: 3 });
    this.pool.on('error', () => undefined);
    this.checkpoints = new RelayCheckpoints(this.pool, options.schema);
  }

  /** Starts relaying once this process holds the relay's lock; resolves when it is relaying or standing by. */
  async start(): Promise<void> {
    await this.checkpoints.migrate();
    await this.tryLead();
  }

  /** True while this replica holds the relay's lock. */
  get leading(): boolean {
    return this.lockClient !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.standbyTimer);
    await this.subscription?.stop();
    this.subscription = undefined;
    if (this.lockClient) {
      await this.lockClient
        .query('SELECT pg_advisory_unlock(hashtext($1))', [this.lockKey()])
        .catch(() => undefined);
      this.lockClient.release();
      this.lockClient = undefined;
    }
    await this.pool.end();
  }

  private lockKey(): string {
    return `journey-relay:${this.options.name}`;
  }

  private async tryLead(): Promise<void> {
    if (this.stopped) return;
    const client = await this.pool.connect();
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
      [this.lockKey()],
    );
    if (!rows[0]?.locked) {
      client.release();
      this.retryLater(() => this.tryLead(), this.options.standbyRetryMs ?? 2_000);
      return;
    }
    this.lockClient = client;
    // The lock lives as long as this connection: if it drops, another replica may take over, so stop
    // relaying at once and compete for the lock again.
    client.on('error', (err) => {
      if (this.lockClient !== client) return;
      this.options.onError?.(err);
      this.lockClient = undefined;
      client.release(true);
      void this.subscription?.stop();
      this.subscription = undefined;
      this.retryLater(() => this.tryLead());
    });
    await this.options.bus.ensureTopics(this.options.topics ?? []);
    await this.relayFromCheckpoint();
  }

  private async relayFromCheckpoint(): Promise<void> {
    if (this.stopped || !this.lockClient) return;
    this.position = (await this.checkpoints.load(this.options.name)) ?? START;
    this.subscription = this.options.store.subscribeToAll({
      after: this.position,
      batchSize: this.options.batchSize ?? 500,
      onBatch: async (events) => {
        await this.options.bus.publish(events.map((e) => toMessage(e)));
        const last = events[events.length - 1];
        if (last) {
          await this.checkpoints.save(this.options.name, last.position);
          this.position = last.position;
        }
        this.published += events.length;
        this.failures = 0;
      },
      onError: (err) => {
        // Kafka or the store is down: start again from the checkpoint.
        this.options.onError?.(err);
        this.subscription = undefined;
        this.retryLater(() => this.relayFromCheckpoint());
      },
    });
  }

  /**
   * Runs `attempt` later: after `delayMs`, or backing off from 250 ms to 30 s over repeated failures.
   * An attempt that fails (the store still down) schedules itself again, so the relay never gives up.
   */
  private retryLater(attempt: () => Promise<void>, delayMs?: number): void {
    if (this.stopped) return;
    this.failures += delayMs === undefined ? 1 : 0;
    const delay = delayMs ?? Math.min(30_000, 250 * 2 ** Math.min(this.failures, 7));
    this.standbyTimer = setTimeout(() => {
      attempt().catch((err: unknown) => {
        this.options.onError?.(err);
        this.retryLater(attempt);
      });
    }, delay);
  }
}
