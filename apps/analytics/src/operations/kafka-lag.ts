import { SERVICE_NAMES } from '@journey/platform';

/** Where a partition's log starts and ends (kafkajs' fetchTopicOffsets, as numbers). */
export interface PartitionEnds {
  partition: number;
  low: number;
  high: number;
}
/** A group's committed offset on a partition (-1: none committed). */
export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number;
}

export interface GroupLag {
  service: string;
  group: string;
  topic: string;
  /** Messages between the committed offset and the partition's end, summed over partitions. */
  lag: number;
}
export interface DeadLetterCount {
  service: string;
  group: string;
  /** Dead letters the topic holds (what retention kept), redriven or not. */
  messages: number;
}

const DLQ_PREFIX = 'journey.dlq.';

/** The service a consumer group belongs to: groups are `<service's consumer group>-<purpose>`. */
export function serviceOfGroup(group: string): string {
  const match = /^journey-([a-z]+)(?:-|$)/.exec(group);
  const service = match?.[1];
  return service && (SERVICE_NAMES as readonly string[]).includes(service) ? service : 'other';
}

/**
 * Each group's lag per topic: a partition the group committed on counts from its offset; one it never
 * committed on counts nothing (the group has not read the topic yet, or starts at the end on purpose).
 * A group with members counts only the topics its members are assigned now (offsets left on a topic
 * it no longer reads are not lag); a group without members counts every topic it committed on.
 * Rows are ordered by group, then topic.
 */
export function groupLags(
  committed: ReadonlyMap<string, readonly CommittedOffset[]>,
  ends: ReadonlyMap<string, readonly PartitionEnds[]>,
  assigned: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): GroupLag[] {
  const rows: GroupLag[] = [];
  for (const group of [...committed.keys()].sort()) {
    const byTopic = new Map<string, number>();
    const reads = assigned.get(group);
    for (const c of committed.get(group) ?? []) {
      const end = ends.get(c.topic)?.find((e) => e.partition === c.partition);
      if (!end || c.offset < 0 || (reads && !reads.has(c.topic))) continue;
      byTopic.set(c.topic, (byTopic.get(c.topic) ?? 0) + Math.max(0, end.high - Math.max(c.offset, end.low)));
    }
    for (const topic of [...byTopic.keys()].sort())
      rows.push({ service: serviceOfGroup(group), group, topic, lag: byTopic.get(topic) ?? 0 });
  }
  return rows;
}

/** The dead letters each of the groups' `journey.dlq.<group>` topic holds (a group without one is left out). */
export function deadLetterCounts(
  ends: ReadonlyMap<string, readonly PartitionEnds[]>,
  groups: readonly string[],
): DeadLetterCount[] {
  return [...new Set(groups)].sort().flatMap((group) => {
    const partitions = ends.get(`${DLQ_PREFIX}${group}`);
    if (!partitions) return [];
    const messages = partitions.reduce((n, e) => n + Math.max(0, e.high - e.low), 0);
    return [{ service: serviceOfGroup(group), group, messages }];
  });
}
