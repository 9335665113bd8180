import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { AssignerProtocol } from 'kafkajs';
import type { Admin } from 'kafkajs';
import { deadLetterTopic } from '@journey/messaging';
import { createKafka, SERVICE_CONFIG, SERVICE_LOGGER } from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
import { ANALYTICS_OPTIONS } from '../analytics-options';
import type { AnalyticsOptions } from '../analytics-options';
import { openBreaches } from '../figures/domain/backlog';
import { TicketReports } from '../figures/ticket-reports';
import { READ_MODELS } from '../read-models';
import { deadLetterCounts, groupLags } from './kafka-lag';
import type { CommittedOffset, DeadLetterCount, GroupLag, PartitionEnds } from './kafka-lag';

/** Requests to Kafka in flight at once while reading offsets (a topic or a group each). */
const KAFKA_REQUESTS_IN_FLIGHT = 16;
/** How long a shutdown waits for a read under way. */
const SHUTDOWN_WAIT_MS = 2_000;
/** Groups described per request. */
const GROUPS_PER_DESCRIBE = 100;

/** Runs `work` over the items with a bounded number in flight; the first failure fails the whole. */
async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(KAFKA_REQUESTS_IN_FLIGHT, items.length) }, worker));
}

/** What the monitor read last: the platform's operational state, as /metrics and /v1/operations show it. */
export interface OperationsSnapshot {
  /** When this was read. */
  at: string;
  consumerLag: GroupLag[];
  deadLetters: DeadLetterCount[];
  /** The analytics projections' live consumer groups: messages still to apply. */
  projectionLag: { projection: string; lag: number }[];
  /** Missed SLA targets still open, per group and metric. */
  slaBreachesOpen: { group: string; metric: string; breaches: number }[];
}

/**
 * Reads, every ANALYTICS_MONITOR_INTERVAL_MS, every consumer group's committed offsets and the ends of the
 * topics they read from Kafka (so a service that is down still shows its lag growing), the dead-letter topics,
 * and the open SLA breaches of the ticket records, and serves them as gauges and as JSON. A read that
 * fails (a broker blip) keeps the last snapshot and says how old it is.
 */
@Injectable()
export class OperationsMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private admin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private snapshot: OperationsSnapshot | undefined;
  private lastSuccess = 0;

  constructor(
    private readonly reports: TicketReports,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(ANALYTICS_OPTIONS) private readonly options: AnalyticsOptions,
  ) {
    const meter = metrics.getMeter('journey-analytics');
    const gauge = (name: string, description: string, unit?: string) =>
      meter.createObservableGauge(name, { description, ...(unit ? { unit } : {}) });
    const lag = gauge(
      'journey.kafka.consumer_group_lag',
      'Messages a consumer group has still to read, per topic',
    );
    const dead = gauge('journey.kafka.dead_letters', 'Dead letters a consumer group’s DLQ topic holds');
    const projection = gauge(
      'journey.analytics.projection_lag',
      'Messages an analytics projection has still to apply',
    );
    const breaches = gauge(
      'journey.tickets.sla_breaches_open',
      'Missed SLA targets whose clock still runs or is paused',
    );
    const age = gauge(
      'journey.analytics.monitor_age_seconds',
      'Seconds since the monitor last read Kafka and the records',
    );
    meter.addBatchObservableCallback(
      (observer) => {
        const s = this.snapshot;
        if (this.lastSuccess) observer.observe(age, (Date.now() - this.lastSuccess) / 1000);
        if (!s) return;
        for (const r of s.consumerLag)
          observer.observe(lag, r.lag, { service: r.service, group: r.group, topic: r.topic });
        for (const r of s.deadLetters)
          observer.observe(dead, r.messages, { service: r.service, group: r.group });
        for (const r of s.projectionLag) observer.observe(projection, r.lag, { projection: r.projection });
        for (const r of s.slaBreachesOpen)
          observer.observe(breaches, r.breaches, { group: r.group, metric: r.metric });
      },
      [lag, dead, projection, breaches, age],
    );
  }

  onApplicationBootstrap(): void {
    const tick = () => {
      this.reading ??= this.read().finally(() => (this.reading = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.options.monitorIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // A read stuck on an unreachable broker must not hold the shutdown past its grace period.
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.reading,
      new Promise((r) => {
        timeout = setTimeout(r, SHUTDOWN_WAIT_MS);
        timeout.unref();
      }),
    ]);
    clearTimeout(timeout);
    await this.admin?.disconnect().catch(() => undefined);
  }

  /** The last snapshot and its age in seconds (undefined before the first read succeeds). */
  current(): (OperationsSnapshot & { ageSeconds: number }) | undefined {
    return (
      this.snapshot && { ...this.snapshot, ageSeconds: Math.round((Date.now() - this.lastSuccess) / 1000) }
    );
  }

  /** Reads now (and waits for a read under way first). */
  async refresh(): Promise<void> {
    await this.reading;
    await this.read();
  }

  private async read(): Promise<void> {
    try {
      const at = new Date();
      const admin = await this.connected();
      const groups = (await admin.listGroups()).groups
        .filter((g) => g.protocolType === 'consumer' || g.protocolType === '')
        .map((g) => g.groupId)
        .sort();
      const committed = new Map<string, CommittedOffset[]>();
      await inParallel(groups, async (groupId) => {
        const rows = (await admin.fetchOffsets({ groupId })).flatMap((t) =>
          t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: Number(p.offset) })),
        );
        if (rows.some((r) => r.offset >= 0)) committed.set(groupId, rows);
      });
      // Dead letters are counted for the groups that have members now (a group long gone, such as a
      // finished rebuild's, is not watched); lag for every group that committed, running or not.
      const running: string[] = [];
      const assigned = new Map<string, Set<string>>();
      for (let i = 0; i < groups.length; i += GROUPS_PER_DESCRIBE)
        for (const g of (await admin.describeGroups(groups.slice(i, i + GROUPS_PER_DESCRIBE))).groups) {
          if (g.state === 'Empty' || g.state === 'Dead') continue;
          running.push(g.groupId);
          if (g.state !== 'Stable') continue; // rebalancing: assignments are not settled, count every topic
          const topics = new Set<string>();
          for (const m of g.members) {
            const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
            for (const topic of Object.keys(decoded?.assignment ?? {})) topics.add(topic);
          }
          assigned.set(g.groupId, topics);
        }
      const existing = new Set(await admin.listTopics());
      const topics = [
        ...new Set([
          ...[...committed.values()].flatMap((rows) => rows.flatMap((r) => (r.offset >= 0 ? [r.topic] : []))),
          ...running.map(deadLetterTopic),
        ]),
      ]
        .filter((t) => existing.has(t))
        .sort();
      const ends = new Map<string, PartitionEnds[]>();
      await inParallel(topics, async (topic) => {
        const offsets = await admin.fetchTopicOffsets(topic);
        ends.set(
          topic,
          offsets.map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) })),
        );
      });
      const consumerLag = groupLags(committed, ends, assigned);
      const projectionLag = READ_MODELS.map(({ projection }) => {
        const group = `${this.config.kafka.consumerGroup}-${projection.name}`;
        return {
          projection: projection.name,
          lag: consumerLag.filter((r) => r.group === group).reduce((n, r) => n + r.lag, 0),
        };
      });
      const open = new Map<string, { group: string; metric: string; breaches: number }>();
      for (const record of await this.reports.waiting())
        for (const b of openBreaches(record, at.getTime())) {
          const key = `${b.group}\u0000${b.metric}`;
          const entry = open.get(key) ?? { group: b.group, metric: b.metric, breaches: 0 };
          entry.breaches++;
          open.set(key, entry);
        }
      this.snapshot = {
        at: at.toISOString(),
        consumerLag,
        deadLetters: deadLetterCounts(ends, running),
        projectionLag,
        slaBreachesOpen: [...open.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v),
      };
      this.lastSuccess = Date.now();
    } catch (err) {
      // The last snapshot stays (its age grows on /metrics); the next tick tries again.
      this.logger.warn(
        { err: (err as Error).message },
        'operations monitor: reading Kafka or the records failed',
      );
    }
  }

  private async connected(): Promise<Admin> {
    if (!this.admin) {
      const admin = createKafka(
        this.config.kafka,
        `${this.config.kafka.clientId}-monitor`,
        this.logger,
      ).admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }
}
