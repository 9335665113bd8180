import { periodOf } from '../../figures/domain/figures';
import type { Period } from '../../figures/domain/figures';

/**
 * An inbound interaction of a customer on a conversation, as contacts attributed it (`id` is the
 * event's id). A conversation thread lasts (one per customer and channel): the figures count its
 * episodes, see CONTACT_GAP_HOURS.
 */
export interface ConversationFact {
  id: string;
  conversationId: string;
  contactId: string;
  channel: string;
  at: string;
}

/** An order a customer placed, as the shop reported it to contacts (`id` is the event's id). */
export interface OrderFact {
  id: string;
  contactId: string;
  at: string;
  /** Which report of the shop it is (a digest of its source and order id): reported again, also to a merged contact, it counts once. */
  report?: string;
}

/**
 * A conversation thread's inbound interactions make one contact until the customer has been silent
 * on it this long; the next one starts another (Zendesk and Chatwoot count a session the same way).
 */
export const CONTACT_GAP_HOURS = 24;

export interface JourneyQuery {
  /** Conversations started, and orders placed, from `from` (inclusive) to `to` (exclusive). */
  from: string;
  to: string;
  period?: Period;
  timeZone: string;
  /** An order this many days after a pre-sale conversation started converts it. */
  conversionDays: number;
  /** A conversation this many days after an order is a post-sale contact about it. */
  contactDays: number;
}

export interface JourneyRow {
  /** The period's start in the query's zone, when periods were asked. */
  key: { period?: string };
  conversations: number;
  /** Conversations started per channel. */
  byChannel: Record<string, number>;
  /** Each channel's share of the conversations. */
  channelMix: Record<string, number>;
  /** Customers who started a conversation. */
  journeys: number;
  /** Of them, those who used two channels or more. */
  multiChannelJourneys: number;
  /** Conversations on another channel than the same customer's previous conversation. */
  channelSwitches: number;
  switchesPerJourney: number | null;
  /** Conversations of customers who had not ordered before. */
  preSale: number;
  /** Of them, those followed by an order within conversionDays. */
  converted: number;
  conversionRate: number | null;
  orders: number;
  /** Orders followed by a conversation of their customer within contactDays. */
  contactedOrders: number;
  contactRate: number | null;
}

export const JOURNEY_DRILLABLE = [
  'conversations',
  'channelSwitches',
  'preSale',
  'converted',
  'orders',
  'contactedOrders',
] as const;
export type JourneyDrillable = (typeof JOURNEY_DRILLABLE)[number];

export interface JourneyDrillEntry {
  key: JourneyRow['key'];
  /** The customer (a merged contact counts as its survivor). */
  contactId: string;
  conversationId?: string;
  /** The events the figure was counted from. */
  events: string[];
}

const DAY_MS = 86_400_000;
const GAP_MS = CONTACT_GAP_HOURS * 3_600_000;
const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);
const byTime = (a: { at: string; id: string }, b: { at: string; id: string }) =>
  a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

interface Journey {
  conversations: ConversationFact[];
  orders: OrderFact[];
}

/**
 * The episodes of conversation threads: a thread's inbound interactions in time order, a new episode
 * after CONTACT_GAP_HOURS without one. An episode is its first interaction (its id, channel, time and
 * customer). The same event given twice counts once.
 */
export function episodesOf<T extends { id: string; at: string; conversationId: string }>(
  facts: readonly T[],
): T[] {
  const threads = new Map<string, T[]>();
  for (const f of [...new Map(facts.map((f) => [f.id, f])).values()].sort(byTime)) {
    const thread = threads.get(f.conversationId) ?? [];
    thread.push(f);
    threads.set(f.conversationId, thread);
  }
  const episodes: T[] = [];
  for (const thread of threads.values()) {
    let last: T | undefined;
    for (const f of thread) {
      if (!last || Date.parse(f.at) - Date.parse(last.at) > GAP_MS) episodes.push(f);
      last = f;
    }
  }
  return episodes.sort(byTime);
}

/**
 * Each customer's conversation episodes and orders in time order; a merged contact's facts are its
 * survivor's, and an order reported twice (by source and external id) counts once, as its first report.
 */
function journeysOf(
  conversations: readonly ConversationFact[],
  orders: readonly OrderFact[],
  survivorOf: (contactId: string) => string,
): Map<string, Journey> {
  const journeys = new Map<string, Journey>();
  const of = (contactId: string) => {
    const customer = survivorOf(contactId);
    let j = journeys.get(customer);
    if (!j) journeys.set(customer, (j = { conversations: [], orders: [] }));
    return j;
  };
  for (const c of episodesOf(conversations)) of(c.contactId).conversations.push(c);
  const reported = new Set<string>();
  for (const o of [...new Map(orders.map((o) => [o.id, o])).values()].sort(byTime)) {
    const report = o.report ? JSON.stringify([survivorOf(o.contactId), o.report]) : o.id;
    if (reported.has(report)) continue;
    reported.add(report);
    of(o.contactId).orders.push(o);
  }
  for (const j of journeys.values()) {
    j.conversations.sort(byTime);
    j.orders.sort(byTime);
  }
  return new Map([...journeys.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

interface Credit {
  figure: JourneyDrillable | 'journey';
  key: JourneyRow['key'];
  customer: string;
  channel?: string;
  conversationId?: string;
  events: string[];
}

function* creditsOf(
  conversations: readonly ConversationFact[],
  orders: readonly OrderFact[],
  query: JourneyQuery,
  survivorOf: (contactId: string) => string,
): Generator<Credit> {
  const from = query.from;
  const to = query.to;
  const inRange = (at: string) => Date.parse(at) >= Date.parse(from) && Date.parse(at) < Date.parse(to);
  const keyOf = (at: string): JourneyRow['key'] =>
    query.period ? { period: periodOf(at, query.period, query.timeZone) } : {};
  for (const [customer, j] of journeysOf(conversations, orders, survivorOf)) {
    let previous: ConversationFact | undefined;
    for (const c of j.conversations) {
      const prior = previous;
      previous = c;
      if (!inRange(c.at)) continue;
      const key = keyOf(c.at);
      const at = Date.parse(c.at);
      const base = { key, customer, conversationId: c.conversationId };
      yield { ...base, figure: 'conversations', channel: c.channel, events: [c.id] };
      yield { ...base, figure: 'journey', channel: c.channel, events: [c.id] };
      if (prior && prior.channel !== c.channel)
        yield { ...base, figure: 'channelSwitches', events: [prior.id, c.id] };
      if (j.orders.some((o) => Date.parse(o.at) < at)) continue;
      yield { ...base, figure: 'preSale', events: [c.id] };
      const order = j.orders.find((o) => Date.parse(o.at) < at + query.conversionDays * DAY_MS);
      if (order) yield { ...base, figure: 'converted', events: [c.id, order.id] };
    }
    for (const o of j.orders) {
      if (!inRange(o.at)) continue;
      const key = keyOf(o.at);
      yield { key, customer, figure: 'orders', events: [o.id] };
      const at = Date.parse(o.at);
      const contact = j.conversations.find(
        (c) => Date.parse(c.at) >= at && Date.parse(c.at) < at + query.contactDays * DAY_MS,
      );
      if (contact)
        yield {
          key,
          customer,
          figure: 'contactedOrders',
          conversationId: contact.conversationId,
          events: [o.id, contact.id],
        };
    }
  }
}

interface Bucket {
  row: JourneyRow;
  customers: Map<string, Set<string>>;
}

/**
 * The journey figures of the conversations started and orders placed in the query's range, one row
 * per period (or one row): channel mix, channel switches, pre-sale conversion and post-sale contacts.
 * Pass every fact of the customers concerned, also outside the range: whether a customer had ordered
 * before, what their previous conversation's channel was and what followed within the windows are
 * read from all of them, so a figure of a period does not depend on the range asked.
 */
export function computeJourneyFigures(
  conversations: readonly ConversationFact[],
  orders: readonly OrderFact[],
  query: JourneyQuery,
  survivorOf: (contactId: string) => string = (id) => id,
): JourneyRow[] {
  const buckets = new Map<string, Bucket>();
  for (const credit of creditsOf(conversations, orders, query, survivorOf)) {
    const id = JSON.stringify(credit.key);
    let b = buckets.get(id);
    if (!b) buckets.set(id, (b = { row: emptyRow(credit.key), customers: new Map() }));
    const row = b.row;
    switch (credit.figure) {
      case 'conversations':
        row.conversations += 1;
        row.byChannel[credit.channel as string] = (row.byChannel[credit.channel as string] ?? 0) + 1;
        break;
      case 'journey': {
        const channels = b.customers.get(credit.customer) ?? new Set<string>();
        channels.add(credit.channel as string);
        b.customers.set(credit.customer, channels);
        break;
      }
      default:
        row[credit.figure] += 1;
    }
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { row, customers }]) => {
      const byChannel = Object.fromEntries(
        Object.entries(row.byChannel).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      );
      return {
        ...row,
        byChannel,
        channelMix: Object.fromEntries(
          Object.entries(byChannel).map(([channel, n]) => [channel, ratio(n, row.conversations) ?? 0]),
        ),
        journeys: customers.size,
        multiChannelJourneys: [...customers.values()].filter((s) => s.size > 1).length,
        switchesPerJourney: ratio(row.channelSwitches, customers.size),
        conversionRate: ratio(row.converted, row.preSale),
        contactRate: ratio(row.contactedOrders, row.orders),
      };
    });
}

/** The customers, conversations and events behind one journey figure (of one period, if given). */
export function journeyDrillDown(
  conversations: readonly ConversationFact[],
  orders: readonly OrderFact[],
  query: JourneyQuery & { figure: JourneyDrillable; periodStart?: string },
  survivorOf: (contactId: string) => string = (id) => id,
): JourneyDrillEntry[] {
  const entries: JourneyDrillEntry[] = [];
  for (const credit of creditsOf(conversations, orders, query, survivorOf)) {
    if (credit.figure !== query.figure) continue;
    if (query.periodStart && credit.key.period !== query.periodStart) continue;
    entries.push({
      key: credit.key,
      contactId: credit.customer,
      ...(credit.conversationId ? { conversationId: credit.conversationId } : {}),
      events: credit.events,
    });
  }
  return entries;
}

function emptyRow(key: JourneyRow['key']): JourneyRow {
  return {
    key,
    conversations: 0,
    byChannel: {},
    channelMix: {},
    journeys: 0,
    multiChannelJourneys: 0,
    channelSwitches: 0,
    switchesPerJourney: null,
    preSale: 0,
    converted: 0,
    conversionRate: null,
    orders: 0,
    contactedOrders: 0,
    contactRate: null,
  };
}
