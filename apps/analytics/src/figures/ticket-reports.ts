import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Collection, Db, Document, Filter } from 'mongodb';
import { ALWAYS_OPEN, calendarSchema, journeyCatalogue } from '@journey/contracts';
import type { Calendar } from '@journey/contracts';
import type { PersonalDataProtection } from '@journey/eventstore';
import { MESSAGE_BUS, PERSONAL_DATA, STREAM_PARKING } from '@journey/messaging';
import type { MessageBus, StreamParking } from '@journey/messaging';
import { InfrastructureConnections, SERVICE_CONFIG, SERVICE_LOGGER } from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
import { ServedReadModels } from '@journey/projections';
import { REPORT_CONTACTS, SLA_CALENDARS, TICKET_RECORDS } from '../read-models';
import { SLA_CALENDARS_ID } from './adapters/sla-calendars.projection';
import { computeFigures, drillDown } from './domain/figures';
import type { DrillableFigure, DrillDownEntry, FigureQuery, FigureRow } from './domain/figures';
import { computeBacklog, WAITING_STATUSES } from './domain/backlog';
import type { Backlog, BacklogCut } from './domain/backlog';
import { measureTicket } from './domain/ticket-measures';
import type { TicketMeasures } from './domain/ticket-measures';
import type { TicketRecord } from './domain/ticket-record';

/** How many contacts one lookup asks for. */
const CONTACTS_PER_LOOKUP = 500;
/** How far a merge is followed to its survivor. */
const MERGE_HOPS = 5;

/**
 * The ticket figures: the analytics read models fed live from Kafka, and the figures measured from
 * them on request (measures are pure functions of a ticket's facts, so a late or redelivered event
 * changes the ticket's record and nothing else, and a replay gives the same figures).
 */
@Injectable()
export class TicketReports implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly served: ServedReadModels;

  constructor(
    @Inject(InfrastructureConnections) connections: InfrastructureConnections,
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @Inject(PERSONAL_DATA) personalData: PersonalDataProtection,
    @Inject(STREAM_PARKING) parking: StreamParking,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(SERVICE_LOGGER) logger: Logger,
  ) {
    this.served = new ServedReadModels([TICKET_RECORDS, SLA_CALENDARS, REPORT_CONTACTS], {
      db: async () => (await connections.readModelDb()) as unknown as Db,
      bus,
      consumerGroup: config.kafka.consumerGroup,
      catalogue: journeyCatalogue,
      personalData,
      parking,
      onDeadLetter: (reason, projection) => logger.error({ reason, projection }, 'event dead-lettered'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.served.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.served.stop();
  }

  private records(): Promise<Collection<Document>> {
    return this.served.collection(TICKET_RECORDS);
  }

  /** The records of the query's tickets, in id order, as a cursor (an export streams them). */
  async *measures(
    query: Pick<FigureQuery, 'from' | 'to' | 'dateBy' | 'where'>,
  ): AsyncGenerator<TicketMeasures> {
    const range = { $gte: new Date(query.from).toISOString(), $lt: new Date(query.to).toISOString() };
    // A record whose opening this build never saw (its topic was read from a later offset) is not measured.
    const filter: Filter<Document> =
      query.dateBy === 'created' ? { openedAt: range } : { solvedAt: range, openedAt: { $exists: true } };
    for (const cut of ['group', 'channel', 'priority'] as const)
      if (query.where[cut]) filter[cut] = query.where[cut];
    const calendars = await this.calendars();
    const cursor = (await this.records()).find(filter).sort({ _id: 1 });
    for await (const doc of cursor) {
      const record = doc as unknown as TicketRecord;
      yield measureTicket(record, (record.calendarId && calendars.get(record.calendarId)) || ALWAYS_OPEN);
    }
  }

  async figures(query: FigureQuery): Promise<FigureRow[]> {
    const measures = await collect(this.measures(query));
    return computeFigures(measures, query, await this.tiers(measures.map((m) => m.contactId)));
  }

  async drillDown(
    query: FigureQuery & { figure: DrillableFigure; periodStart?: string },
  ): Promise<DrillDownEntry[]> {
    const measures = await collect(this.measures(query));
    return drillDown(measures, query, await this.tiers(measures.map((m) => m.contactId)));
  }

  /** The tickets waiting now (the filters narrow them). */
  async waiting(
    where: { group?: string; channel?: string; priority?: string } = {},
  ): Promise<TicketRecord[]> {
    const filter: Filter<Document> = {
      status: { $in: [...WAITING_STATUSES] },
      merged: { $ne: true },
      openedAt: { $exists: true },
    };
    for (const cut of ['group', 'channel', 'priority'] as const) if (where[cut]) filter[cut] = where[cut];
    return (await (
      await this.records()
    )
      .find(filter)
      .sort({ _id: 1 })
      .toArray()) as unknown as TicketRecord[];
  }

  /** The backlog now, cut and filtered as asked. */
  async backlog(
    query: {
      by: readonly BacklogCut[];
      dueSoonSeconds: number;
      group?: string;
      channel?: string;
      priority?: string;
    },
    now = new Date(),
  ): Promise<Backlog> {
    const records = await this.waiting(query);
    return computeBacklog(records, {
      now: now.toISOString(),
      by: query.by,
      dueSoonSeconds: query.dueSoonSeconds,
      vipTierOf: await this.tiers(query.by.includes('vipTier') ? records.map((r) => r.contactId) : []),
    });
  }

  /** The calendars of the SLA policy book in force, by id. */
  private async calendars(): Promise<Map<string, Calendar>> {
    const doc = await (
      await this.served.collection(SLA_CALENDARS)
    ).findOne({ _id: SLA_CALENDARS_ID as never });
    const found = new Map<string, Calendar>();
    for (const raw of (doc?.['calendars'] as unknown[] | undefined) ?? []) {
      const parsed = calendarSchema.safeParse(raw);
      if (parsed.success) found.set(parsed.data.id, parsed.data);
    }
    return found;
  }

  /** The VIP tier of each ticket's customer now (a merged contact's is its survivor's). */
  private async tiers(
    contactIds: readonly (string | undefined)[],
  ): Promise<(contactId: string) => string | undefined> {
    const contacts = await this.served.collection(REPORT_CONTACTS);
    const known = new Map<string, { vipTier?: string; survivorId?: string }>();
    let wanted = [...new Set(contactIds.flatMap((id) => (id ? [id] : [])))];
    for (let hop = 0; hop <= MERGE_HOPS && wanted.length; hop++) {
      const next: string[] = [];
      for (let i = 0; i < wanted.length; i += CONTACTS_PER_LOOKUP) {
        const ids = wanted.slice(i, i + CONTACTS_PER_LOOKUP);
        for (const doc of await contacts.find({ _id: { $in: ids as never[] } }).toArray()) {
          const entry = {
            ...(doc['vipTier'] ? { vipTier: String(doc['vipTier']) } : {}),
            ...(doc['survivorId'] ? { survivorId: String(doc['survivorId']) } : {}),
          };
          known.set(String(doc['_id']), entry);
          if (entry.survivorId && !known.has(entry.survivorId)) next.push(entry.survivorId);
        }
      }
      wanted = next;
    }
    return (contactId) => {
      let id = contactId;
      for (let hop = 0; hop <= MERGE_HOPS; hop++) {
        const entry = known.get(id);
        if (!entry?.survivorId) return entry?.vipTier;
        id = entry.survivorId;
      }
      return known.get(id)?.vipTier;
    };
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
