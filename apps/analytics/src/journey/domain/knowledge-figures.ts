import { periodOf } from '../../figures/domain/figures';
import type { Period } from '../../figures/domain/figures';
import { CONTACT_GAP_HOURS } from './journey-figures';

/**
 * What the knowledge base did and what readers did with it, one fact per event (`id` is the event's
 * id, `channel` where it happened). No reader's words: a search keeps the normalised query knowledge
 * recorded, feedback its reason, never a comment.
 */
export type KnowledgeFact = { id: string; at: string; channel: string } & (
  | { k: 'view'; articleId: string }
  | { k: 'search'; query: string; outcome: 'none' | 'poor' | 'found' }
  | { k: 'feedback'; articleId: string; helpful: boolean; reason?: string }
  | { k: 'update-request'; articleId: string; requestId: string }
  | { k: 'update-resolved'; articleId: string; requestId: string }
  | { k: 'answer'; conversationId: string; decision: 'answered' | 'handed-off'; reasons: string[] }
);

export const KNOWLEDGE_CUTS = ['channel'] as const;
export type KnowledgeCut = (typeof KNOWLEDGE_CUTS)[number];

export interface KnowledgeQuery {
  from: string;
  to: string;
  by: readonly KnowledgeCut[];
  period?: Period;
  timeZone: string;
  where: Partial<Record<KnowledgeCut, string>>;
}

export interface KnowledgeRow {
  key: Partial<Record<KnowledgeCut | 'period', string>>;
  /** Conversations whose first inbound message knowledge decided on in the period. */
  conversations: number;
  /** Of them, those it answered automatically at least once. */
  answeredConversations: number;
  /** Answered, with no hand-off and no human reply on any of its tickets after the first answer. */
  deflected: number;
  /** deflected ÷ conversations */
  deflectionRate: number | null;
  /** Every decision: answered or handed off. */
  answers: number;
  handOffs: number;
  /** Why messages went to a person (a hand-off can give several reasons). */
  handOffReasons: Record<string, number>;
  views: number;
  searches: number;
  /** Searches that found nothing, or nothing good enough. */
  searchesNone: number;
  searchesPoor: number;
  /** (none + poor) ÷ searches */
  searchGapRate: number | null;
  helpful: number;
  notHelpful: number;
  /** helpful ÷ (helpful + not helpful) */
  helpfulRate: number | null;
  notHelpfulReasons: Record<string, number>;
  updateRequests: number;
  updateRequestsResolved: number;
}

/** A search query readers keep failing on: what to write next. */
export interface ContentGap {
  query: string;
  searches: number;
  none: number;
  poor: number;
  lastAt: string;
}

export const KNOWLEDGE_DRILLABLE = [
  'conversations',
  'deflected',
  'handOffs',
  'views',
  'searches',
  'searchGaps',
  'helpful',
  'notHelpful',
  'updateRequests',
] as const;
export type KnowledgeDrillable = (typeof KNOWLEDGE_DRILLABLE)[number];

export interface KnowledgeDrillEntry {
  key: KnowledgeRow['key'];
  conversationId?: string;
  articleId?: string;
  query?: string;
  events: string[];
}

/** The times human agents replied on the tickets of a conversation (bots excluded). */
export type HumanReplies = (conversationId: string) => readonly string[];

const GAP_MS = CONTACT_GAP_HOURS * 3_600_000;
const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);
const byTime = (a: { at: string; id: string }, b: { at: string; id: string }) =>
  a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

type Counter = Exclude<
  keyof KnowledgeRow,
  'key' | 'deflectionRate' | 'searchGapRate' | 'helpfulRate' | 'handOffReasons' | 'notHelpfulReasons'
>;

interface Credit {
  figure: KnowledgeDrillable | Counter;
  key: KnowledgeRow['key'];
  reasons?: string[];
  conversationId?: string;
  articleId?: string;
  query?: string;
  events: string[];
}

function* creditsOf(
  facts: readonly KnowledgeFact[],
  query: KnowledgeQuery,
  humanReplies: HumanReplies,
): Generator<Credit> {
  const inRange = (at: string) =>
    Date.parse(at) >= Date.parse(query.from) && Date.parse(at) < Date.parse(query.to);
  const keyOf = (at: string, channel: string): KnowledgeRow['key'] | undefined => {
    if (query.where.channel && query.where.channel !== channel) return undefined;
    const key: KnowledgeRow['key'] = {};
    if (query.by.includes('channel')) key.channel = channel;
    if (query.period) key.period = periodOf(at, query.period, query.timeZone);
    return key;
  };
  const unique = [...new Map(facts.map((f) => [f.id, f])).values()].sort(byTime);
  const decisions = new Map<string, Extract<KnowledgeFact, { k: 'answer' }>[]>();
  for (const f of unique) {
    if (f.k === 'answer') {
      const list = decisions.get(f.conversationId) ?? [];
      list.push(f);
      decisions.set(f.conversationId, list);
      continue;
    }
    if (!inRange(f.at)) continue;
    const key = keyOf(f.at, f.channel);
    if (!key) continue;
    switch (f.k) {
      case 'view':
        yield { figure: 'views', key, articleId: f.articleId, events: [f.id] };
        break;
      case 'search':
        yield { figure: 'searches', key, query: f.query, events: [f.id] };
        if (f.outcome !== 'found') {
          yield { figure: 'searchGaps', key, query: f.query, events: [f.id] };
          yield { figure: f.outcome === 'none' ? 'searchesNone' : 'searchesPoor', key, events: [f.id] };
        }
        break;
      case 'feedback':
        yield {
          figure: f.helpful ? 'helpful' : 'notHelpful',
          key,
          articleId: f.articleId,
          ...(f.reason ? { reasons: [f.reason] } : {}),
          events: [f.id],
        };
        break;
      case 'update-request':
        yield { figure: 'updateRequests', key, articleId: f.articleId, events: [f.id] };
        break;
      case 'update-resolved':
        yield { figure: 'updateRequestsResolved', key, articleId: f.articleId, events: [f.id] };
        break;
    }
  }
  for (const [conversationId, list] of [...decisions.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const base = { conversationId };
    for (const d of list) {
      if (!inRange(d.at)) continue;
      const key = keyOf(d.at, d.channel);
      if (!key) continue;
      yield { ...base, figure: 'answers', key, events: [d.id] };
      if (d.decision === 'handed-off')
        yield { ...base, figure: 'handOffs', key, reasons: d.reasons, events: [d.id] };
    }
    // A thread lasts: each episode of it (CONTACT_GAP_HOURS without a message starts the next) is one
    // conversation here, counted in the period and channel of its first decision.
    const episodes: (typeof list)[] = [];
    for (const d of list) {
      const current = episodes[episodes.length - 1];
      const last = current?.[current.length - 1];
      if (current && last && Date.parse(d.at) - Date.parse(last.at) <= GAP_MS) current.push(d);
      else episodes.push([d]);
    }
    for (const [i, episode] of episodes.entries()) {
      const first = episode[0] as (typeof list)[number];
      const end = episodes[i + 1]?.[0]?.at;
      if (!inRange(first.at)) continue;
      const key = keyOf(first.at, first.channel);
      if (!key) continue;
      yield { ...base, figure: 'conversations', key, events: [first.id] };
      const answer = episode.find((d) => d.decision === 'answered');
      if (!answer) continue;
      yield { ...base, figure: 'answeredConversations', key, events: [answer.id] };
      const handedOffLater = episode.some((d) => d.decision === 'handed-off' && byTime(d, answer) > 0);
      const agentLater = humanReplies(conversationId).some(
        (at) => at >= answer.at && (end === undefined || at < end),
      );
      if (!handedOffLater && !agentLater) yield { ...base, figure: 'deflected', key, events: [answer.id] };
    }
  }
}

/**
 * The knowledge figures of the range, one row per cut and period: auto-answer deflection and
 * hand-offs (pass every decision of the conversations concerned and the human replies on their
 * tickets), article views, searches that found nothing, feedback and update requests.
 */
export function computeKnowledgeFigures(
  facts: readonly KnowledgeFact[],
  query: KnowledgeQuery,
  humanReplies: HumanReplies = () => [],
): KnowledgeRow[] {
  const rows = new Map<string, KnowledgeRow>();
  for (const credit of creditsOf(facts, query, humanReplies)) {
    const id = JSON.stringify(credit.key);
    let row = rows.get(id);
    if (!row) rows.set(id, (row = emptyRow(credit.key)));
    if (credit.figure === 'searchGaps') continue;
    row[credit.figure] += 1;
    const reasons =
      credit.figure === 'handOffs'
        ? row.handOffReasons
        : credit.figure === 'notHelpful'
          ? row.notHelpfulReasons
          : undefined;
    for (const r of (reasons && credit.reasons) || []) if (reasons) reasons[r] = (reasons[r] ?? 0) + 1;
  }
  const sorted = (r: Record<string, number>) =>
    Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return [...rows.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, row]) => ({
      ...row,
      handOffReasons: sorted(row.handOffReasons),
      notHelpfulReasons: sorted(row.notHelpfulReasons),
      deflectionRate: ratio(row.deflected, row.conversations),
      searchGapRate: ratio(row.searchesNone + row.searchesPoor, row.searches),
      helpfulRate: ratio(row.helpful, row.helpful + row.notHelpful),
    }));
}

/** The queries of the range's searches that found nothing or nothing good, most frequent first. */
export function contentGaps(
  facts: readonly KnowledgeFact[],
  query: KnowledgeQuery,
  limit: number,
): ContentGap[] {
  const gaps = new Map<string, ContentGap>();
  const byId = new Map(facts.map((f) => [f.id, f]));
  for (const credit of creditsOf(facts, query, () => [])) {
    if (credit.figure !== 'searchGaps' || !credit.query) continue;
    const fact = byId.get(credit.events[0] as string) as Extract<KnowledgeFact, { k: 'search' }>;
    const text = credit.query.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
    const gap = gaps.get(text) ?? { query: text, searches: 0, none: 0, poor: 0, lastAt: fact.at };
    gap.searches += 1;
    if (fact.outcome === 'none') gap.none += 1;
    else gap.poor += 1;
    if (fact.at > gap.lastAt) gap.lastAt = fact.at;
    gaps.set(text, gap);
  }
  return [...gaps.values()]
    .sort((a, b) => b.searches - a.searches || (a.query < b.query ? -1 : a.query > b.query ? 1 : 0))
    .slice(0, limit);
}

/** The conversations, articles, queries and events behind one knowledge figure. */
export function knowledgeDrillDown(
  facts: readonly KnowledgeFact[],
  query: KnowledgeQuery & { figure: KnowledgeDrillable; periodStart?: string },
  humanReplies: HumanReplies = () => [],
): KnowledgeDrillEntry[] {
  const entries: KnowledgeDrillEntry[] = [];
  for (const credit of creditsOf(facts, query, humanReplies)) {
    if (credit.figure !== query.figure) continue;
    if (query.periodStart && credit.key.period !== query.periodStart) continue;
    entries.push({
      key: credit.key,
      ...(credit.conversationId ? { conversationId: credit.conversationId } : {}),
      ...(credit.articleId ? { articleId: credit.articleId } : {}),
      ...(credit.query ? { query: credit.query } : {}),
      events: credit.events,
    });
  }
  return entries;
}

function emptyRow(key: KnowledgeRow['key']): KnowledgeRow {
  return {
    key,
    conversations: 0,
    answeredConversations: 0,
    deflected: 0,
    deflectionRate: null,
    answers: 0,
    handOffs: 0,
    handOffReasons: {},
    views: 0,
    searches: 0,
    searchesNone: 0,
    searchesPoor: 0,
    searchGapRate: null,
    helpful: 0,
    notHelpful: 0,
    helpfulRate: null,
    notHelpfulReasons: {},
    updateRequests: 0,
    updateRequestsResolved: 0,
  };
}
