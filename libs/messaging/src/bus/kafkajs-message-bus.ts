import { randomUUID } from 'node:crypto';
import { CompressionTypes, Kafka, logLevel, Partitioners } from 'kafkajs';
import type { Admin, Consumer, IHeaders, KafkaConfig, KafkaMessage, Producer } from 'kafkajs';
import { waitOutTransient } from '@journey/platform';
import type {
  ConsumeOptions,
  IncomingMessage,
  MessageBus,
  OutgoingMessage,
  RunningConsumer,
  TopicSpec,
} from './message-bus';

/** How long the group waits for a silent member before giving its partitions to another. */
export const CONSUMER_SESSION_TIMEOUT_MS = 45_000;
const REBALANCE_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION']);

/** {@link MessageBus} on kafkajs: idempotent producer (acks=all), batched consumers, manual offset marking. */
export class KafkaJsMessageBus implements MessageBus {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private readonly consumers = new Set<Consumer>();

  constructor(config: KafkaConfig) {
    this.kafka = new Kafka({ logLevel: logLevel.WARN, ...config });
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    const admin = await this.connectedAdmin();
    // Several processes create the same topics at start-up, and a broker may answer a metadata request
    // for a topic it has just created with UNKNOWN_TOPIC_OR_PARTITION: look again, a few times.
    await waitOutTransient(
      async () => {
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((t) => !existing.has(t.topic));
        if (missing.length > 0)
          await admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((t) => ({
              topic: t.topic,
              numPartitions: t.partitions,
              configEntries: [{ name: 'retention.ms', value: String(t.retentionMs) }],
            })),
          });
        // Every partition has a leader once the metadata names them all.
        await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
      },
      { maxAttempts: 8, delayMs: (attempt) => Math.min(2_000, 100 * 2 ** attempt) },
    );
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const producer = await this.connectedProducer();
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const m of messages) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
    await producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      })),
    });
  }

  async consume(options: ConsumeOptions): Promise<RunningConsumer> {
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      // A handler waiting out a database fault heartbeats every second (EventConsumer.pause), and a batch
      // is bounded in bytes, so neither a long catch-up nor a stall outlasts the session and rebalances.
      sessionTimeout: CONSUMER_SESSION_TIMEOUT_MS,
      rebalanceTimeout: 60_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: 1_048_576,
      maxBytes: 4 * 1_048_576,
    });
    this.consumers.add(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: true,
      partitionsConsumedConcurrently: Math.max(1, options.partitionsConcurrently ?? 1),
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        isRunning,
        isStale,
        commitOffsetsIfNecessary,
      }) => {
        if (isStale()) return;
        const messages = batch.messages.map((m) => toIncoming(batch.topic, batch.partition, m));
        let rebalancing = false;
        await options.eachBatch(messages, {
          highWatermark: batch.highWatermark,
          markDone: (m) => resolveOffset(m.offset),
          heartbeat: async () => {
            try {
              await heartbeat();
            } catch (err) {
              // The group moved on: stop this batch, its rest is redelivered to the partition's new owner.
              // Any other failure (the broker away) leaves the batch waiting; the session tolerates it.
              if (REBALANCE_ERRORS.has((err as { type?: string }).type ?? '')) rebalancing = true;
            }
          },
          isRunning: () => isRunning() && !isStale() && !rebalancing,
        });
        await commitOffsetsIfNecessary();
      },
    });
    return {
      stop: async () => {
        await consumer.disconnect();
        this.consumers.delete(consumer);
      },
    };
  }

  async listTopics(): Promise<string[]> {
    return (await this.connectedAdmin()).listTopics();
  }

  async readTopic(topic: string): Promise<IncomingMessage[]> {
    const admin = await this.connectedAdmin();
    const ends = await admin.fetchTopicOffsets(topic);
    const remaining = new Map(ends.filter((p) => p.high !== p.low).map((p) => [p.partition, BigInt(p.high)]));
    if (remaining.size === 0) return [];
    const out: IncomingMessage[] = [];
    // A throw-away group that commits nothing: reading does not move anyone's offsets.
    const consumer = this.kafka.consumer({ groupId: `journey-reader-${randomUUID()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), 30_000);
        void consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              out.push(toIncoming(topic, partition, message));
              const end = remaining.get(partition);
              if (end !== undefined && BigInt(message.offset) + 1n >= end) remaining.delete(partition);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return out.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  }

  async pendingFor(groupId: string, topic: string): Promise<Map<number, { committed: bigint; end: bigint }>> {
    const admin = await this.connectedAdmin();
    const [ends, offsets] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const committed = new Map((offsets[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    const out = new Map<number, { committed: bigint; end: bigint }>();
    for (const p of ends) {
      const from = committed.get(p.partition) ?? -1n;
      const start = from < 0n ? BigInt(p.low) : from;
      if (start < BigInt(p.high)) out.set(p.partition, { committed: start, end: BigInt(p.high) });
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.consumers].map((c) => c.disconnect()));
    await Promise.allSettled([this.producer?.disconnect(), this.admin?.disconnect()]);
  }

  private async connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }

  private async connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }
}

function toIncoming(topic: string, partition: number, m: KafkaMessage): IncomingMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key?.toString(),
    value: m.value ?? Buffer.alloc(0),
    headers: decodeHeaders(m.headers),
  };
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}
