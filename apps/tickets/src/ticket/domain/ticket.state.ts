import type {
  SlaMetric,
  SlaTargets,
  TicketEventOf,
  TicketOrigin,
  TicketPriority,
  TicketStatus,
} from '@journey/contracts';
import type { SlaClock } from '../../sla/domain/sla-clock';

export type TicketEvent = TicketEventOf;
export type TicketEventData<T extends TicketEvent['type']> = Extract<TicketEvent, { type: T }>['data'];

export interface AppliedPolicy {
  policyId?: string;
  calendarId?: string;
  targets: SlaTargets;
  warnBeforeMinutes: number;
}

/** A ticket as its events left it: what the decider needs to decide the next command. */
export interface TicketState {
  ticketId?: string;
  status?: TicketStatus;
  origin?: TicketOrigin;
  contactId?: string;
  priority: TicketPriority;
  group?: string;
  assignee?: string;
  /** The last agent who held the ticket (kept after a solve: analytics and the sticky rule read it). */
  lastAssignee?: string;
  openedAt?: string;
  /** The customer wrote last: an agent reply answers them (next response). */
  awaitingAgent: boolean;
  /** An agent has replied publicly at least once. */
  agentReplied: boolean;
  replies: Map<string, 'posted' | 'delivered'>;
  failedAttempts: Set<string>;
  notes: Set<string>;
  messages: Set<string>;
  policy?: AppliedPolicy;
  clocks: Partial<Record<SlaMetric, SlaClock>>;
  /** `<metric>:<cycle>:<kind>` of the warnings and breaches recorded. */
  fired: Set<string>;
  solvedCount: number;
  closesAt?: string;
  surveys: Map<string, { expiresAt: string; rated: boolean }>;
  mergedInto?: string;
  conversationIds: Set<string>;
  erased?: boolean;
}

export const initialTicketState = (): TicketState => ({
  priority: 'normal',
  awaitingAgent: false,
  agentReplied: false,
  replies: new Map(),
  failedAttempts: new Set(),
  notes: new Set(),
  messages: new Set(),
  clocks: {},
  fired: new Set(),
  solvedCount: 0,
  surveys: new Map(),
  conversationIds: new Set(),
});

export const firedKey = (metric: SlaMetric, cycle: number, kind: 'warning' | 'breach') =>
  `${metric}:${cycle}:${kind}`;

/** Folds one event into the state. The collections are copied, so an earlier state never changes. */
export function evolveTicket(state: TicketState, event: TicketEvent): TicketState {
  switch (event.type) {
    case 'tickets.ticket-opened.v1': {
      const d = event.data;
      const conversationIds = new Set(state.conversationIds);
      if (d.origin.kind === 'conversation') conversationIds.add(d.origin.conversationId);
      return {
        ...state,
        ticketId: d.ticketId,
        status: 'new',
        origin: d.origin,
        ...(d.contactId ? { contactId: d.contactId } : {}),
        priority: d.priority,
        group: d.group,
        openedAt: d.openedAt,
        awaitingAgent: d.origin.kind === 'conversation',
        conversationIds,
      };
    }
    case 'tickets.ticket-updated.v1':
      return { ...state, ...(event.data.priority ? { priority: event.data.priority } : {}) };
    case 'tickets.contact-linked.v1':
      return { ...state, contactId: event.data.contactId };
    case 'tickets.customer-message-added.v1':
      return {
        ...state,
        awaitingAgent: true,
        messages: new Set(state.messages).add(event.data.messageId),
      };
    case 'tickets.reply-posted.v1':
      return {
        ...state,
        awaitingAgent: false,
        agentReplied: true,
        replies: new Map(state.replies).set(event.data.replyId, 'posted'),
      };
    case 'tickets.reply-delivered.v1':
      return { ...state, replies: new Map(state.replies).set(event.data.replyId, 'delivered') };
    case 'tickets.reply-delivery-failed.v1':
      return {
        ...state,
        failedAttempts: new Set(state.failedAttempts).add(`${event.data.replyId}:${event.data.attempt}`),
      };
    case 'tickets.note-added.v1':
      return { ...state, notes: new Set(state.notes).add(event.data.noteId) };
    case 'tickets.status-changed.v1': {
      const d = event.data;
      const { closesAt: _c, ...rest } = state;
      return {
        ...rest,
        status: d.to,
        ...(d.to === 'solved' ? { solvedCount: state.solvedCount + 1 } : {}),
        ...(d.closesAt ? { closesAt: d.closesAt } : {}),
      };
    }
    case 'tickets.ticket-assigned.v1':
      return {
        ...state,
        assignee: event.data.agentId,
        lastAssignee: event.data.agentId,
        group: event.data.group,
      };
    case 'tickets.ticket-unassigned.v1': {
      const { assignee: _a, ...rest } = state;
      return rest;
    }
    case 'tickets.ticket-transferred.v1':
      return { ...state, group: event.data.toGroup };
    case 'tickets.ticket-escalated.v1':
      return {
        ...state,
        ...(event.data.toGroup ? { group: event.data.toGroup } : {}),
        ...(event.data.priority ? { priority: event.data.priority } : {}),
      };
    case 'tickets.sla-policy-applied.v1': {
      const d = event.data;
      return {
        ...state,
        policy: {
          ...(d.policyId ? { policyId: d.policyId } : {}),
          ...(d.calendarId ? { calendarId: d.calendarId } : {}),
          targets: d.targets,
          warnBeforeMinutes: d.warnBeforeMinutes,
        },
      };
    }
    case 'tickets.sla-clock-set.v1': {
      const d = event.data;
      const clock: SlaClock = {
        metric: d.metric,
        cycle: d.cycle,
        state: d.state,
        elapsedSeconds: d.elapsedSeconds,
        targetMinutes: d.targetMinutes,
        ...(d.runningSince ? { runningSince: d.runningSince } : {}),
        ...(d.dueAt ? { dueAt: d.dueAt } : {}),
        ...(d.warnAt ? { warnAt: d.warnAt } : {}),
      };
      return { ...state, clocks: { ...state.clocks, [d.metric]: clock } };
    }
    case 'tickets.sla-warned.v1':
      return {
        ...state,
        fired: new Set(state.fired).add(firedKey(event.data.metric, event.data.cycle, 'warning')),
      };
    case 'tickets.sla-breached.v1':
      return {
        ...state,
        fired: new Set(state.fired).add(firedKey(event.data.metric, event.data.cycle, 'breach')),
      };
    case 'tickets.csat-requested.v1':
      return {
        ...state,
        surveys: new Map(state.surveys).set(event.data.surveyId, {
          expiresAt: event.data.expiresAt,
          rated: false,
        }),
      };
    case 'tickets.csat-rated.v1': {
      // An imported rating has no survey recorded here: it is kept as an answered one.
      const survey = state.surveys.get(event.data.surveyId) ?? { expiresAt: event.data.at, rated: true };
      return {
        ...state,
        surveys: new Map(state.surveys).set(event.data.surveyId, { ...survey, rated: true }),
      };
    }
    case 'tickets.ticket-erased.v1':
      return { ...state, erased: true };
    case 'tickets.ticket-merged.v1':
      return { ...state, mergedInto: event.data.intoTicketId };
    case 'tickets.ticket-absorbed.v1':
      return event.data.conversationId
        ? { ...state, conversationIds: new Set(state.conversationIds).add(event.data.conversationId) }
        : state;
    default:
      return state;
  }
}

/** Still work to do: neither solved nor closed (nor merged away). */
export const isActive = (state: TicketState) =>
  state.status !== undefined && state.status !== 'solved' && state.status !== 'closed';
