import { Inject, Injectable } from '@nestjs/common';
import type { Collection, Document, Filter } from 'mongodb';
import { ALWAYS_OPEN, calendarSchema } from '@journey/contracts';
import type { Calendar } from '@journey/contracts';
import { AnalyticsReadModels } from '../analytics-read-models';
import { REPORT_CONTACTS, SLA_CALENDARS, TICKET_RECORDS } from '../read-models';
import { SLA_CALENDARS_ID } from './adapters/sla-calendars.projection';
import { computeFigures, drillDown } from './domain/figures';
import type { DrillableFigure, DrillDownEntry, FigureQuery, FigureRow } from './domain/figures';
import { computeBacklog, WAITING_STATUSES } from './domain/backlog';
import type { Backlog, BacklogCut } from './domain/backlog';
import { measureTicket } from './domain/ticket-measures';
import type { TicketMeasures } from './domain/ticket-measures';
import type { TicketRecord } from './domain/ticket-record';
import { readContacts } from './report-contacts';

/**
 * The ticket figures: the analytics read models fed live from Kafka, and the figures measured from
 * them on request (measures are pure functions of a ticket's facts, so a late or redelivered event
 * changes the ticket's record and nothing else, and a replay gives the same figures).
 */
@Injectable()
export class TicketReports {
  constructor(@Inject(AnalyticsReadModels) private readonly served: AnalyticsReadModels) {}

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
    // Records built before v3 have no product: they are `none`.
    if (query.where.product)
      filter['product'] = query.where.product === 'none' ? { $in: ['none', null] } : query.where.product;
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
    const directory = await readContacts(
      await this.served.collection(REPORT_CONTACTS),
      contactIds.flatMap((id) => (id ? [id] : [])),
    );
    return (contactId) => directory.vipTierOf(contactId);
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
