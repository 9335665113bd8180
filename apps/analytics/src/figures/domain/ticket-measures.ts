import { ALWAYS_OPEN, businessSecondsBetween } from '@journey/contracts';
import type { Calendar } from '@journey/contracts';
import type { TicketFact, TicketRecord } from './ticket-record';

/** A span of time measured both ways, with who it is credited to and the events that bound it. */
export interface Span {
  seconds: number;
  /** Seconds open in the ticket's SLA calendar (calendar seconds when it has none). */
  businessSeconds: number;
  agent?: string;
  from: string;
  to: string;
  events: string[];
}

export interface SlaOutcome {
  metric: string;
  cycle: number;
  breached: boolean;
  achieved: boolean;
  events: string[];
}

/** What one ticket contributes to the figures. */
export interface TicketMeasures {
  ticketId: string;
  openedAt: string;
  openedEvent: string;
  solvedAt?: string;
  /** The event of the last solve, while solved. */
  solvedEvent?: string;
  channel: string;
  group: string;
  priority: string;
  product: string;
  contactId?: string;
  assignee?: string;
  merged: boolean;
  firstResponse?: Span;
  nextResponses: Span[];
  /** Opening (or the hand-off from a bot) to the first solve. */
  firstResolution?: Span;
  /** Opening (or the hand-off from a bot) to the last solve, while the ticket stays solved. */
  fullResolution?: Span;
  /** Time a bot had the ticket before a person did. */
  botSeconds: number;
  /** Solved with no person ever replying or taking it (a bot's or an automation's resolution). */
  botResolved: boolean;
  solved: boolean;
  reopens: number;
  humanReplies: number;
  /** Solved with fewer than two public replies from agents (Zendesk's one-touch). */
  oneTouch: boolean;
  /** Who the resolution is credited to: the assignee when it was (last) solved. */
  resolvedBy?: string;
  surveys: number;
  surveyEvents: string[];
  rating?: { score: number; good: boolean; agent?: string; at: string; event: string };
  evaluations: { agent: string; percent: number; event: string }[];
  sla: SlaOutcome[];
  transfers: number;
  escalations: number;
  /** The reopen, transfer and escalation events. */
  reopenEvents: string[];
  transferEvents: string[];
  escalationEvents: string[];
}

const SOLVED = new Set(['solved', 'closed']);
const seconds = (from: string, to: string) =>
  Math.max(0, Math.floor((Date.parse(to) - Date.parse(from)) / 1000));

/**
 * The measures of one ticket from its facts, in stream order. The definitions (README, "Figures"):
 * - a response is a person's public reply (bots, auto-replies and internal notes are not);
 * - the first response is measured from the opening, or from the last reopen before it when the
 *   ticket was solved and reopened before anyone replied (the customer waited from then), and is
 *   credited to the agent who wrote it, whoever holds the ticket now;
 * - a next response answers a customer message that came after the last response;
 * - resolution runs from when a person could work on the ticket: its opening, or, when a bot spoke
 *   first, the hand-off (first assignment or person's reply) — bot time is not resolution time;
 * - a reopen is a solved ticket coming back (not its closing).
 */
export function measureTicket(record: TicketRecord, calendar: Calendar = ALWAYS_OPEN): TicketMeasures {
  const span = (from: string, to: string, events: string[], agent?: string): Span => ({
    seconds: seconds(from, to),
    businessSeconds: businessSecondsBetween(new Date(from), new Date(to), calendar),
    ...(agent ? { agent } : {}),
    from,
    to,
    events,
  });
  const opened = record.openedAt;
  const openedEvent = record.openedEvent ?? `opened:${record.ticketId}`;
  let firstResponse: Span | undefined;
  const nextResponses: Span[] = [];
  let waiting: { since: string; event: string } | undefined = { since: opened, event: openedEvent };
  let lastReopen: { at: string; event: string } | undefined;
  let botSpoke = false;
  let handOff: { at: string; event: string } | undefined;
  let assignee: string | undefined;
  let firstSolve: { at: string; event: string; by?: string } | undefined;
  let lastSolve: { at: string; event: string; by?: string } | undefined;
  let solved = false;
  let reopens = 0;
  let humanReplies = 0;
  const surveyEvents: string[] = [];
  const reopenEvents: string[] = [];
  const transferEvents: string[] = [];
  const escalationEvents: string[] = [];
  const ratings = new Map<string, NonNullable<TicketMeasures['rating']>>();
  const evaluations = new Map<string, { agent: string; percent: number; event: string }>();
  const sla = new Map<string, SlaOutcome>();

  for (const fact of record.facts as TicketFact[]) {
    switch (fact.k) {
      case 'customer':
        if (!waiting) waiting = { since: fact.at, event: fact.e };
        break;
      case 'reply': {
        if (fact.bot) {
          if (!handOff) botSpoke = true;
          break;
        }
        humanReplies += 1;
        handOff ??= { at: fact.at, event: fact.e };
        if (!firstResponse) {
          const start = lastReopen ?? { at: opened, event: openedEvent };
          firstResponse = span(start.at, fact.at, [start.event, fact.e], fact.by);
        } else if (waiting) {
          nextResponses.push(span(waiting.since, fact.at, [waiting.event, fact.e], fact.by));
        }
        waiting = undefined;
        break;
      }
      case 'assigned':
        assignee = fact.agent;
        handOff ??= { at: fact.at, event: fact.e };
        break;
      case 'status': {
        const wasSolved = SOLVED.has(fact.from);
        if (SOLVED.has(fact.to) && !wasSolved) {
          const solve = { at: fact.at, event: fact.e, ...(assignee ? { by: assignee } : {}) };
          firstSolve ??= solve;
          lastSolve = solve;
          solved = true;
          waiting = undefined;
        } else if (wasSolved && !SOLVED.has(fact.to)) {
          reopens += 1;
          reopenEvents.push(fact.e);
          solved = false;
          if (!firstResponse) lastReopen = { at: fact.at, event: fact.e };
          if (fact.cause === 'customer-reply') waiting ??= { since: fact.at, event: fact.e };
        }
        break;
      }
      case 'transfer':
        transferEvents.push(fact.e);
        break;
      case 'escalation':
        escalationEvents.push(fact.e);
        break;
      case 'sla': {
        const key = `${fact.metric}#${fact.cycle}`;
        const outcome: SlaOutcome = sla.get(key) ?? {
          metric: fact.metric,
          cycle: fact.cycle,
          breached: false,
          achieved: false,
          events: [],
        };
        outcome.events.push(fact.e);
        if (fact.outcome === 'breached') outcome.breached = true;
        else outcome.achieved = true;
        sla.set(key, outcome);
        break;
      }
      case 'survey':
        surveyEvents.push(fact.e);
        break;
      case 'rating':
        // One rating per survey: a second delivery of the same answer is the same rating.
        ratings.set(fact.survey, {
          score: fact.score,
          good: fact.score >= 4,
          ...(fact.agent ? { agent: fact.agent } : {}),
          at: fact.at,
          event: fact.e,
        });
        break;
      case 'evaluation':
        evaluations.set(fact.evaluation, { agent: fact.agent, percent: fact.percent, event: fact.e });
        break;
    }
  }

  const merged = Boolean(record.merged);
  const botResolved = botSpoke && !handOff && solved;
  // With a bot first, the clock of people starts at the hand-off; without a hand-off there is none.
  const workStart = botSpoke ? handOff : { at: opened, event: openedEvent };
  const botSeconds = botSpoke ? seconds(opened, (handOff ?? lastSolve)?.at ?? opened) : 0;
  const resolution = (solve: { at: string; event: string; by?: string } | undefined) =>
    solve && workStart && !merged
      ? span(workStart.at, solve.at, [workStart.event, solve.event], solve.by)
      : undefined;
  const firstResolution = resolution(firstSolve);
  const fullResolution = solved ? resolution(lastSolve) : undefined;
  const rating = [...ratings.values()].sort((a, b) => a.at.localeCompare(b.at)).at(-1);
  const resolvedBy = solved ? lastSolve?.by : undefined;
  return {
    ticketId: record.ticketId,
    openedAt: opened,
    openedEvent,
    ...(record.solvedAt && solved ? { solvedAt: record.solvedAt } : {}),
    ...(solved && lastSolve ? { solvedEvent: lastSolve.event } : {}),
    channel: record.channel,
    group: record.group,
    priority: record.priority,
    product: record.product ?? 'none',
    ...(record.contactId ? { contactId: record.contactId } : {}),
    ...(record.assignee ? { assignee: record.assignee } : {}),
    merged,
    ...(firstResponse ? { firstResponse } : {}),
    nextResponses,
    ...(firstResolution ? { firstResolution } : {}),
    ...(fullResolution ? { fullResolution } : {}),
    botSeconds,
    botResolved,
    solved: solved && !merged,
    reopens,
    humanReplies,
    oneTouch: solved && !merged && humanReplies < 2,
    ...(resolvedBy ? { resolvedBy } : {}),
    surveys: surveyEvents.length,
    surveyEvents,
    ...(rating
      ? { rating: rating.agent ? rating : { ...rating, ...(resolvedBy ? { agent: resolvedBy } : {}) } }
      : {}),
    evaluations: [...evaluations.values()],
    sla: [...sla.values()],
    transfers: transferEvents.length,
    escalations: escalationEvents.length,
    reopenEvents,
    transferEvents,
    escalationEvents,
  };
}
