import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type pg from 'pg';
import { journeyCatalogue } from '@journey/contracts';
import type { EventEnvelope, SlaMetric, TicketsEvent } from '@journey/contracts';
import { ensureMigrated } from '@journey/eventstore';
import type { PersonalDataProtection } from '@journey/eventstore';
import {
  EventConsumer,
  MESSAGE_BUS,
  PERSONAL_DATA,
  STREAM_PARKING,
  streamRevisionOf,
} from '@journey/messaging';
import type { IncomingMessage, MessageBus, StreamParking } from '@journey/messaging';
import {
  InfrastructureConnections,
  isTransientError,
  SERVICE_CONFIG,
  SERVICE_LOGGER,
} from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
import { metrics } from '@opentelemetry/api';
import { Tickets } from '../ticket/tickets';
import { TIMERS_MIGRATION, TIMERS_TABLE } from '../schema-migrations';
import { TICKETS_OPTIONS } from '../tickets-options';
import type { TicketsOptions } from '../tickets-options';

const TABLE = TIMERS_TABLE;

const lagHistogram = metrics.getMeter('journey-tickets').createHistogram('journey.tickets.timer_lag', {
  description: 'How long after its due time a durable timer fired',
  unit: 'ms',
});

/** `breach:<metric>`, `warning:<metric>` or `auto-close`. */
type TimerName = string;

/**
 * Durable SLA timers, in a table the tickets service owns. It is a projection of the tickets' own
 * events (sla-clock-set, status-changed), applied with a per-ticket revision guard, so it can be
 * rebuilt from the store; a timer is removed only after its command was recorded, so a service killed
 * across a due time fires it when it comes back, and the ticket decider records each warning and
 * breach once (per metric and cycle) however many replicas fire it. The wheel sleeps until the next
 * due time (at most the poll interval), so timers fire within a second.
 */
@Injectable()
export class SlaTimers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: EventConsumer;
  private readonly pool: pg.Pool;
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> = Promise.resolve();
  fired = 0;

  constructor(
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @Inject(PERSONAL_DATA) personalData: PersonalDataProtection,
    @Inject(STREAM_PARKING) parking: StreamParking,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(TICKETS_OPTIONS) private readonly options: TicketsOptions,
    connections: InfrastructureConnections,
    private readonly tickets: Tickets,
  ) {
    this.pool = connections.eventStore;
    this.consumer = new EventConsumer({
      bus,
      groupId: `${config.kafka.consumerGroup}-timers`,
      topics: ['journey.tickets.v1'],
      catalogue: journeyCatalogue,
      personalData,
      parking,
      handle: (envelope, message) => this.schedule(envelope, message),
      onDeadLetter: (_, reason) => this.logger.error({ reason }, 'timers: dead-lettered'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureMigrated(this.pool, TIMERS_MIGRATION);
    await this.consumer.start();
    this.loop = this.run();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.consumer.stop();
    await this.loop;
  }

  private async upsert(ticketId: string, timer: TimerName, cycle: number, dueAt: string, revision: bigint) {
    await this.pool.query(
      `INSERT INTO ${TABLE} (ticket_id, timer, cycle, due_at, revision) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (ticket_id, timer) DO UPDATE SET cycle = excluded.cycle, due_at = excluded.due_at, revision = excluded.revision
       WHERE ${TABLE}.revision < excluded.revision`,
      [ticketId, timer, cycle, dueAt, revision.toString()],
    );
    this.wake?.();
  }

  private async remove(ticketId: string, timers: TimerName[], revision: bigint) {
    await this.pool.query(`DELETE FROM ${TABLE} WHERE ticket_id = $1 AND timer = ANY($2) AND revision < $3`, [
      ticketId,
      timers,
      revision.toString(),
    ]);
  }

  private async schedule(envelope: EventEnvelope, message: IncomingMessage): Promise<void> {
    const revision = streamRevisionOf(message) ?? 0n;
    const event = { type: envelope.type, data: envelope.data } as TicketsEvent;
    if (event.type === 'tickets.sla-clock-set.v1') {
      const d = event.data;
      const names = [`breach:${d.metric}`, `warning:${d.metric}`];
      if (d.state !== 'running' || !d.dueAt) return this.remove(d.ticketId, names, revision);
      await this.upsert(d.ticketId, `breach:${d.metric}`, d.cycle, d.dueAt, revision);
      if (d.warnAt) await this.upsert(d.ticketId, `warning:${d.metric}`, d.cycle, d.warnAt, revision);
      else await this.remove(d.ticketId, [`warning:${d.metric}`], revision);
    } else if (event.type === 'tickets.status-changed.v1') {
      const d = event.data;
      if (d.to === 'solved' && d.closesAt)
        await this.upsert(d.ticketId, 'auto-close', 0, d.closesAt, revision);
      else await this.remove(d.ticketId, ['auto-close'], revision);
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const fired = await this.fireDue();
        if (fired > 0) continue;
        const next = await this.pool.query<{ due_at: Date }>(
          `SELECT due_at FROM ${TABLE} ORDER BY due_at LIMIT 1`,
        );
        const until = next.rows[0] ? next.rows[0].due_at.getTime() - Date.now() : this.options.timerPollMs;
        await this.sleep(Math.max(0, Math.min(until, this.options.timerPollMs)));
      } catch (err) {
        if (!isTransientError(err)) this.logger.error({ err }, 'timers: firing failed; trying again');
        await this.sleep(this.options.timerPollMs);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  /** Fires the timers due now; each row is locked while its command runs, so replicas share the work. */
  async fireDue(limit = 100): Promise<number> {
    const client = await this.pool.connect();
    let count = 0;
    try {
      await client.query('BEGIN');
      const due = await client.query<{ ticket_id: string; timer: string; cycle: number; due_at: Date }>(
        `SELECT ticket_id, timer, cycle, due_at FROM ${TABLE} WHERE due_at <= now() ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      for (const row of due.rows) {
        const key = `timer:${row.ticket_id}:${row.timer}:${row.cycle}:${row.due_at.toISOString()}`;
        const options = { correlationId: key, commandKey: key };
        if (row.timer === 'auto-close')
          await this.tickets.execute(row.ticket_id, { kind: 'auto-close' }, options);
        else {
          const [kind, metric] = row.timer.split(':') as ['breach' | 'warning', SlaMetric];
          await this.tickets.execute(
            row.ticket_id,
            { kind: 'fire-timer', metric, cycle: row.cycle, timer: kind },
            options,
          );
        }
        lagHistogram.record(Date.now() - row.due_at.getTime());
        await client.query(`DELETE FROM ${TABLE} WHERE ticket_id = $1 AND timer = $2 AND due_at = $3`, [
          row.ticket_id,
          row.timer,
          row.due_at,
        ]);
        count += 1;
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    this.fired += count;
    return count;
  }
}
