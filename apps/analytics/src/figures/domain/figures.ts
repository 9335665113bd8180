import { DateTime } from 'luxon';
import type { Span, TicketMeasures } from './ticket-measures';

export const CUTS = ['agent', 'group', 'channel', 'priority', 'vipTier', 'product'] as const;
export type Cut = (typeof CUTS)[number];
export const PERIODS = ['hour', 'day', 'week', 'month'] as const;
export type Period = (typeof PERIODS)[number];
export const DATE_BASES = ['created', 'solved'] as const;
export type DateBasis = (typeof DATE_BASES)[number];
export const TIMED_FIGURES = ['firstResponse', 'nextResponse', 'firstResolution', 'fullResolution'] as const;
export type TimedFigure = (typeof TIMED_FIGURES)[number];

export interface FigureQuery {
  /** The tickets created (or solved, by `dateBy`) from `from` (inclusive) to `to` (exclusive). */
  from: string;
  to: string;
  dateBy: DateBasis;
  by: readonly Cut[];
  period?: Period;
  /** The zone periods are cut in (a day is a day there). */
  timeZone: string;
  /** Only these values (the agent filter applies per figure, to whom each is credited). */
  where: Partial<Record<Cut, string>>;
}

/** Duration statistics of one timed figure, calendar and business time, in seconds. */
export interface DurationStats {
  count: number;
  mean: number;
  median: number;
  p90: number;
  businessMean: number;
  businessMedian: number;
  businessP90: number;
}

export interface FigureRow {
  /** The cut values and the period of this row (`period` is the period's start, in the query's zone). */
  key: Partial<Record<Cut | 'period', string>>;
  created: number;
  solved: number;
  resolutionRate: number | null;
  firstResponse: DurationStats;
  nextResponse: DurationStats;
  firstResolution: DurationStats;
  fullResolution: DurationStats;
  oneTouch: number;
  /** First-contact resolution: one-touch ÷ solved. */
  firstContactResolution: number | null;
  reopened: number;
  reopens: number;
  reopenRate: number | null;
  botResolved: number;
  surveys: number;
  rated: number;
  good: number;
  /** good (4–5 of 5) ÷ rated */
  csat: number | null;
  surveyResponseRate: number | null;
  evaluations: number;
  evaluationScore: number | null;
  sla: Record<string, { measured: number; breached: number; compliance: number | null }>;
  transfers: number;
  escalations: number;
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);
const round1 = (n: number) => Math.round(n * 10) / 10;

function stats(spans: Span[]): DurationStats {
  const of = (pick: (s: Span) => number) => {
    const values = spans.map(pick).sort((a, b) => a - b);
    if (values.length === 0) return { mean: 0, median: 0, p90: 0 };
    const at = (q: number) => values[Math.min(values.length - 1, Math.ceil(q * values.length) - 1)] as number;
    return { mean: round1(values.reduce((a, b) => a + b, 0) / values.length), median: at(0.5), p90: at(0.9) };
  };
  const calendar = of((s) => s.seconds);
  const business = of((s) => s.businessSeconds);
  return {
    count: spans.length,
    ...calendar,
    businessMean: business.mean,
    businessMedian: business.median,
    businessP90: business.p90,
  };
}

/** The start of the period an instant falls in, in the zone (weeks start on Monday). */
export function periodOf(at: string, period: Period, timeZone: string): string {
  const start = DateTime.fromISO(at, { zone: timeZone }).startOf(period);
  return period === 'hour'
    ? start.toFormat("yyyy-MM-dd'T'HH:mm")
    : period === 'month'
      ? start.toFormat('yyyy-MM')
      : (start.toISODate() as string);
}

/** The date a ticket counts on: its creation or its (last) solve. */
export const dateOf = (m: TicketMeasures, basis: DateBasis): string | undefined =>
  basis === 'created' ? m.openedAt : m.solvedAt;

/** The figures a drill-down lists the tickets and events of. */
export const DRILLABLE = [
  'created',
  'solved',
  'firstResponse',
  'nextResponse',
  'firstResolution',
  'fullResolution',
  'oneTouch',
  'reopened',
  'botResolved',
  'surveys',
  'rated',
  'evaluations',
  'slaBreached',
  'transfers',
  'escalations',
] as const;
export type DrillableFigure = (typeof DRILLABLE)[number];

interface Bucket {
  key: FigureRow['key'];
  created: number;
  solved: number;
  spans: Record<TimedFigure, Span[]>;
  oneTouch: number;
  reopened: number;
  reopens: number;
  botResolved: number;
  surveys: number;
  rated: number;
  good: number;
  evaluations: number;
  evaluationSum: number;
  sla: Map<string, { measured: number; breached: number }>;
  transfers: number;
  escalations: number;
}

/** One part of one figure that a ticket gives, the agent it is credited to, and its events. */
interface Credit {
  figure: DrillableFigure;
  agent: string | undefined;
  events: string[];
  span?: Span;
  apply(b: Bucket): void;
}

/**
 * Who each figure of a ticket is credited to (what a cut by agent puts it under): responses under
 * who wrote them, resolution, one-touch and reopens under the assignee at the solve, a rating under
 * the agent it rates, tickets created, SLA outcomes, transfers and escalations under the assignee now.
 */
function creditsOf(m: TicketMeasures): Credit[] {
  const credits: Credit[] = [
    { figure: 'created', agent: m.assignee, events: [m.openedEvent], apply: (b) => (b.created += 1) },
  ];
  const timed = (figure: TimedFigure, span: Span) =>
    credits.push({
      figure,
      agent: span.agent,
      events: span.events,
      span,
      apply: (b) => b.spans[figure].push(span),
    });
  if (m.firstResponse) timed('firstResponse', m.firstResponse);
  for (const s of m.nextResponses) timed('nextResponse', s);
  if (m.firstResolution) timed('firstResolution', m.firstResolution);
  if (m.fullResolution) timed('fullResolution', m.fullResolution);
  if (m.solved) {
    const solvedEvents = [m.solvedEvent ?? m.openedEvent];
    credits.push({
      figure: 'solved',
      agent: m.resolvedBy,
      events: solvedEvents,
      apply: (b) => (b.solved += 1),
    });
    if (m.oneTouch)
      credits.push({
        figure: 'oneTouch',
        agent: m.resolvedBy,
        events: solvedEvents,
        apply: (b) => (b.oneTouch += 1),
      });
    if (m.reopens > 0)
      credits.push({
        figure: 'reopened',
        agent: m.resolvedBy,
        events: m.reopenEvents,
        apply: (b) => {
          b.reopened += 1;
          b.reopens += m.reopens;
        },
      });
    if (m.botResolved)
      credits.push({
        figure: 'botResolved',
        agent: m.resolvedBy,
        events: solvedEvents,
        apply: (b) => (b.botResolved += 1),
      });
  }
  if (m.surveys)
    credits.push({
      figure: 'surveys',
      agent: m.resolvedBy ?? m.assignee,
      events: m.surveyEvents,
      apply: (b) => (b.surveys += m.surveys),
    });
  const rating = m.rating;
  if (rating)
    credits.push({
      figure: 'rated',
      agent: rating.agent,
      events: [rating.event],
      apply: (b) => {
        b.rated += 1;
        if (rating.good) b.good += 1;
      },
    });
  for (const e of m.evaluations)
    credits.push({
      figure: 'evaluations',
      agent: e.agent,
      events: [e.event],
      apply: (b) => {
        b.evaluations += 1;
        b.evaluationSum += e.percent;
      },
    });
  for (const s of m.sla)
    if (s.achieved || s.breached)
      credits.push({
        figure: 'slaBreached',
        agent: m.assignee,
        events: s.events,
        apply: (b) => {
          const cell = b.sla.get(s.metric) ?? { measured: 0, breached: 0 };
          cell.measured += 1;
          if (s.breached) cell.breached += 1;
          b.sla.set(s.metric, cell);
        },
      });
  if (m.transfers)
    credits.push({
      figure: 'transfers',
      agent: m.assignee,
      events: m.transferEvents,
      apply: (b) => (b.transfers += m.transfers),
    });
  if (m.escalations)
    credits.push({
      figure: 'escalations',
      agent: m.assignee,
      events: m.escalationEvents,
      apply: (b) => (b.escalations += m.escalations),
    });
  return credits;
}

/** The tickets of the query (by date and cut values) with their credits and the row key of each. */
function* creditedTickets(
  measures: readonly TicketMeasures[],
  query: FigureQuery,
  vipTierOf: (contactId: string) => string | undefined,
): Generator<{ m: TicketMeasures; credit: Credit; key: FigureRow['key'] }> {
  const from = Date.parse(query.from);
  const to = Date.parse(query.to);
  const ordered = [...measures].sort((a, b) => a.ticketId.localeCompare(b.ticketId));
  for (const m of ordered) {
    if (m.merged) continue;
    const date = dateOf(m, query.dateBy);
    if (!date || Date.parse(date) < from || Date.parse(date) >= to) continue;
    const dims: Partial<Record<Cut, string>> = {
      group: m.group,
      channel: m.channel,
      priority: m.priority,
      vipTier: (m.contactId && vipTierOf(m.contactId)) || 'none',
      product: m.product,
    };
    if (
      (['group', 'channel', 'priority', 'vipTier', 'product'] as const).some(
        (c) => query.where[c] && query.where[c] !== dims[c],
      )
    )
      continue;
    const period = query.period ? periodOf(date, query.period, query.timeZone) : undefined;
    for (const credit of creditsOf(m)) {
      const agent = credit.agent ?? 'unassigned';
      if (query.where.agent && query.where.agent !== agent) continue;
      const key: FigureRow['key'] = {};
      for (const cut of query.by) key[cut] = cut === 'agent' ? agent : dims[cut];
      if (period) key.period = period;
      yield { m, credit, key };
    }
  }
}

/**
 * The figures of a set of tickets, one row per combination of the cuts (and period) asked, each
 * figure under the agent it is credited to (creditsOf). Rows are ordered by key and tickets folded
 * in id order, so that the same measures always give byte-identical rows.
 */
export function computeFigures(
  measures: readonly TicketMeasures[],
  query: FigureQuery,
  vipTierOf: (contactId: string) => string | undefined = () => undefined,
): FigureRow[] {
  const buckets = new Map<string, Bucket>();
  for (const { credit, key } of creditedTickets(measures, query, vipTierOf)) {
    const id = JSON.stringify(key);
    let b = buckets.get(id);
    if (!b) buckets.set(id, (b = emptyBucket(key)));
    credit.apply(b);
  }
  return [...buckets.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, b]) => toRow(b));
}

export interface DrillDownEntry {
  ticketId: string;
  /** The row the entry counts in. */
  key: FigureRow['key'];
  agent: string;
  seconds?: number;
  businessSeconds?: number;
  from?: string;
  to?: string;
  /** The events the figure was measured from. */
  events: string[];
}

/** The tickets and events behind one figure of the query's rows (filter a row with `where`/period). */
export function drillDown(
  measures: readonly TicketMeasures[],
  query: FigureQuery & { figure: DrillableFigure; periodStart?: string },
  vipTierOf: (contactId: string) => string | undefined = () => undefined,
): DrillDownEntry[] {
  const entries: DrillDownEntry[] = [];
  for (const { m, credit, key } of creditedTickets(measures, query, vipTierOf)) {
    if (credit.figure !== query.figure) continue;
    if (query.periodStart && key.period !== query.periodStart) continue;
    entries.push({
      ticketId: m.ticketId,
      key,
      agent: credit.agent ?? 'unassigned',
      ...(credit.span
        ? {
            seconds: credit.span.seconds,
            businessSeconds: credit.span.businessSeconds,
            from: credit.span.from,
            to: credit.span.to,
          }
        : {}),
      events: credit.events,
    });
  }
  return entries;
}

function emptyBucket(key: FigureRow['key']): Bucket {
  return {
    key,
    created: 0,
    solved: 0,
    spans: { firstResponse: [], nextResponse: [], firstResolution: [], fullResolution: [] },
    oneTouch: 0,
    reopened: 0,
    reopens: 0,
    botResolved: 0,
    surveys: 0,
    rated: 0,
    good: 0,
    evaluations: 0,
    evaluationSum: 0,
    sla: new Map(),
    transfers: 0,
    escalations: 0,
  };
}

function toRow(b: Bucket): FigureRow {
  return {
    key: b.key,
    created: b.created,
    solved: b.solved,
    resolutionRate: ratio(b.solved, b.created),
    firstResponse: stats(b.spans.firstResponse),
    nextResponse: stats(b.spans.nextResponse),
    firstResolution: stats(b.spans.firstResolution),
    fullResolution: stats(b.spans.fullResolution),
    oneTouch: b.oneTouch,
    firstContactResolution: ratio(b.oneTouch, b.solved),
    reopened: b.reopened,
    reopens: b.reopens,
    reopenRate: ratio(b.reopened, b.solved),
    botResolved: b.botResolved,
    surveys: b.surveys,
    rated: b.rated,
    good: b.good,
    csat: ratio(b.good, b.rated),
    surveyResponseRate: ratio(b.rated, b.surveys),
    evaluations: b.evaluations,
    evaluationScore: b.evaluations ? round1(b.evaluationSum / b.evaluations) : null,
    sla: Object.fromEntries(
      [...b.sla.entries()]
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([metric, c]) => [metric, { ...c, compliance: ratio(c.measured - c.breached, c.measured) }]),
    ),
    transfers: b.transfers,
    escalations: b.escalations,
  };
}
