/** A message as the project puts it on the broker: key orders it, headers carry the envelope's metadata. */
export interface OutgoingMessage {
  topic: string;
  key: string;
  value: Buffer | string;
  headers: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | undefined;
  value: Buffer;
  headers: Record<string, string>;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Retention in milliseconds; -1 keeps messages forever. */
  retentionMs: number;
}

export interface BatchContext {
  /** The partition's end offset when the batch was fetched (for lag). */
  highWatermark: string;
  /** Marks a message done: its offset is committed with the next commit. */
  markDone(message: IncomingMessage): void;
  /** Keeps the group membership alive during long batches. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping: the handler should return. */
  isRunning(): boolean;
}

export interface ConsumeOptions {
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  /**
   * How many of the group's partitions this member handles at once (default 1). Order holds within a
   * partition only, as it does across the group's members; a handler that is safe with several
   * replicas is safe with more than 1.
   */
  partitionsConcurrently?: number;
  eachBatch(messages: IncomingMessage[], context: BatchContext): Promise<void>;
}

export interface RunningConsumer {
  stop(): Promise<void>;
}

/**
 * The project's own small interface to the broker, so that the Kafka client can be swapped without
 * touching the relay, the consumers or the dead-letter tools.
 */
export interface MessageBus {
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  publish(messages: OutgoingMessage[]): Promise<void>;
  consume(options: ConsumeOptions): Promise<RunningConsumer>;
  /** Reads a topic from the start up to its current end, without joining a group. */
  readTopic(topic: string): Promise<IncomingMessage[]>;
  /** The names of the topics that exist. */
  listTopics(): Promise<string[]>;
  /** Messages of `topic` that `groupId` has not committed yet, per partition. */
  pendingFor(groupId: string, topic: string): Promise<Map<number, { committed: bigint; end: bigint }>>;
  close(): Promise<void>;
}
