import { reject } from '@journey/eventstore';
import type { Decider, Rejection } from '@journey/eventstore';
import type { SlaMetric, TicketPriority, TicketStatus } from '@journey/contracts';
import { TICKET_PRIORITIES } from '@journey/contracts';
import type { Escalation } from '../../sla/domain/sla-policy-book';
import { resumeClock } from '../../sla/domain/sla-clock';
import {
  achieve,
  changeClocks,
  pauseAll,
  reconcilePolicy,
  resumeAll,
  startCycle,
  stopAll,
} from './ticket-sla';
import type { SlaContext } from './ticket-sla';
import { evolveTicket, firedKey, initialTicketState, isActive } from './ticket.state';
import type { TicketEvent, TicketEventData, TicketState } from './ticket.state';

/** What every command carries besides its own fields: the time and the SLA book (filled by the handler). */
export interface TicketContext extends SlaContext {
  autoCloseDays: number;
  /** The survey to send if this command solves the ticket. */
  survey?: { surveyId: string; token: string; expiresAt: string };
  /** Escalation of the matched policy, by kind (for timer firings). */
  escalation?: { warning?: Escalation; breach?: Escalation; supervisors: string[] };
}

type Opened = TicketEventData<'tickets.ticket-opened.v1'>;

export type TicketCommand = { ctx: TicketContext } & (
  | { kind: 'open'; ticket: Omit<Opened, 'openedAt'> }
  | { kind: 'add-customer-message'; conversationId: string; messageId: string; excerpt?: string; at: string }
  | {
      kind: 'reply';
      replyId: string;
      authorId: string;
      text: string;
      attachments: TicketEventData<'tickets.reply-posted.v1'>['attachments'];
      /** The status to leave the ticket in (pending: waiting on the customer; solved). */
      status?: 'open' | 'pending' | 'on-hold' | 'solved';
      /** A bot's or an auto-reply (imported history): it answers nobody's SLA. */
      automated?: boolean;
    }
  | { kind: 'reply-delivered'; replyId: string; at: string }
  | { kind: 'reply-failed'; replyId: string; reason: string; attempt: number; at: string }
  | { kind: 'note'; noteId: string; authorId: string; text: string }
  | { kind: 'set-status'; to: 'open' | 'pending' | 'on-hold' | 'solved'; by: string }
  | {
      kind: 'update';
      changes: Omit<TicketEventData<'tickets.ticket-updated.v1'>, 'ticketId' | 'by' | 'at'>;
      by: string;
    }
  | { kind: 'link-contact'; contactId: string }
  | {
      kind: 'assign';
      agentId: string;
      by: string;
      reasons?: TicketEventData<'tickets.ticket-assigned.v1'>['reasons'];
      onlyIfUnassigned: boolean;
      group?: string;
    }
  | { kind: 'unassign'; reason: TicketEventData<'tickets.ticket-unassigned.v1'>['reason']; agentId?: string }
  | { kind: 'transfer'; toGroup: string; toAgentId?: string; note: string; by: string }
  | { kind: 'escalate'; toGroup: string; note: string; by: string; raisePriority?: TicketPriority }
  | { kind: 'fire-timer'; metric: SlaMetric; cycle: number; timer: 'warning' | 'breach' }
  | { kind: 'auto-close' }
  /** Imported history: the ticket was closed at that time in the help desk it comes from. */
  | { kind: 'close'; by: string }
  | { kind: 'rate'; surveyId: string; score: number; comment?: string }
  | {
      kind: 'evaluate';
      evaluationId: string;
      agentId?: string;
      rubric: string;
      scores: Record<string, number>;
      comment?: string;
      by: string;
    }
  | { kind: 'reconcile-sla' }
  | { kind: 'merge-into'; intoTicketId: string; by: string }
  | { kind: 'absorb'; mergedTicketId: string; conversationId?: string; by: string }
  | { kind: 'erase' }
);

export const TICKET_CLOSED = 'the ticket is closed';
const DAY_MS = 24 * 60 * 60 * 1000;
/** The customer, on the facts the unified view shows (status, transfer, escalation, rating). */
const customerOf = (state: TicketState) => (state.contactId ? { contactId: state.contactId } : {});

const channelOf = (state: TicketState) =>
  state.origin?.kind === 'conversation' ? state.origin.channel : undefined;

/** The next priority up, or the one named. */
function raised(current: TicketPriority, to: true | TicketPriority | undefined): TicketPriority | undefined {
  if (to === undefined) return undefined;
  const next = to === true ? TICKET_PRIORITIES[Math.min(TICKET_PRIORITIES.indexOf(current) + 1, 3)] : to;
  return next !== undefined && TICKET_PRIORITIES.indexOf(next) > TICKET_PRIORITIES.indexOf(current)
    ? next
    : undefined;
}

function statusChange(
  state: TicketState,
  to: TicketStatus,
  cause: TicketEventData<'tickets.status-changed.v1'>['cause'],
  by: string,
  ctx: TicketContext,
): TicketEvent[] {
  const from = state.status as TicketStatus;
  if (from === to) return [];
  const id = state.ticketId as string;
  const events: TicketEvent[] = [];
  const closesAt =
    to === 'solved' ? new Date(Date.parse(ctx.now) + ctx.autoCloseDays * DAY_MS).toISOString() : undefined;
  events.push({
    type: 'tickets.status-changed.v1',
    data: {
      ticketId: id,
      from,
      to,
      cause,
      ...customerOf(state),
      by,
      at: ctx.now,
      ...(closesAt ? { closesAt } : {}),
    },
  });
  if (to === 'pending') events.push(...pauseAll(state, ctx));
  else if (to === 'solved' || to === 'closed') {
    // A solved ticket stops every clock: nothing counts while it is solved.
    events.push(...stopAll(state, ctx));
    if (state.assignee && to === 'closed')
      events.push({
        type: 'tickets.ticket-unassigned.v1',
        data: { ticketId: id, agentId: state.assignee, reason: 'closed', at: ctx.now },
      });
  } else if (from === 'pending') events.push(...resumeAll(state, ctx));
  if (from === 'solved' && (to === 'open' || to === 'pending' || to === 'on-hold')) {
    // Reopened: resolution goes on from what it had used.
    const resolution = state.clocks.resolution;
    if (resolution?.state === 'stopped' && state.policy?.targets.resolution) {
      const paused: TicketEvent = {
        type: 'tickets.sla-clock-set.v1',
        data: {
          ticketId: id,
          metric: 'resolution',
          cycle: resolution.cycle,
          state: 'paused',
          elapsedSeconds: resolution.elapsedSeconds,
          targetMinutes: resolution.targetMinutes,
          at: ctx.now,
        },
      };
      events.push(paused);
      if (to !== 'pending')
        events.push(...changeClocks(fold(state, [paused]), ctx, resumeClock, ['resolution']));
    }
  }
  if (to === 'solved' && ctx.survey && state.origin?.kind === 'conversation') {
    events.push({
      type: 'tickets.csat-requested.v1',
      data: {
        ticketId: id,
        surveyId: ctx.survey.surveyId,
        token: ctx.survey.token,
        conversationId: state.origin.conversationId,
        channel: state.origin.channel,
        channelId: state.origin.channelId,
        expiresAt: ctx.survey.expiresAt,
        at: ctx.now,
      },
    });
  }
  return events;
}

/** Folds events into a state, so a decision can build on what it decided so far. */
const fold = (state: TicketState, events: TicketEvent[]) => events.reduce(evolveTicket, state);

function decideCore(command: TicketCommand, state: TicketState): TicketEvent[] | Rejection {
  const { ctx } = command;
  const id = state.ticketId as string;
  if (command.kind === 'open') {
    if (state.status) return [];
    const opened: TicketEvent = {
      type: 'tickets.ticket-opened.v1',
      data: { ...command.ticket, openedAt: ctx.now },
    };
    return [opened];
  }
  if (!state.status) return reject('no such ticket');
  if (state.erased && command.kind !== 'erase') return reject('the ticket was erased');
  if (
    state.mergedInto &&
    command.kind !== 'reply-delivered' &&
    command.kind !== 'reply-failed' &&
    command.kind !== 'rate' &&
    // A merged ticket still holds what the customer said: the customer's erasure reaches it too.
    command.kind !== 'erase'
  )
    return reject(`the ticket was merged into ${state.mergedInto}`);
  switch (command.kind) {
    case 'add-customer-message': {
      if (state.messages.has(command.messageId)) return [];
      if (state.status === 'closed') return reject(TICKET_CLOSED);
      const events: TicketEvent[] = [
        {
          type: 'tickets.customer-message-added.v1',
          data: {
            ticketId: id,
            conversationId: command.conversationId,
            messageId: command.messageId,
            ...(command.excerpt ? { excerpt: command.excerpt } : {}),
            at: command.at,
          },
        },
      ];
      // The customer's reply reopens a solved ticket and resumes a pending one.
      if (state.status === 'solved' || state.status === 'pending')
        events.push(...statusChange(fold(state, events), 'open', 'customer-reply', 'customer', ctx));
      const now = fold(state, events);
      if (!state.awaitingAgent && state.agentReplied)
        events.push(...startCycle(now, ctx, 'next-response', command.at));
      else if (!state.agentReplied && !state.clocks['first-response'])
        events.push(...startCycle(now, ctx, 'first-response', state.openedAt ?? command.at));
      return events;
    }
    case 'reply': {
      if (state.replies.has(command.replyId)) return [];
      if (state.status === 'closed') return reject(TICKET_CLOSED);
      const origin = state.origin?.kind === 'conversation' ? state.origin : undefined;
      const events: TicketEvent[] = [
        {
          type: 'tickets.reply-posted.v1',
          data: {
            ticketId: id,
            replyId: command.replyId,
            ...(origin
              ? {
                  conversationId: origin.conversationId,
                  channel: origin.channel,
                  channelId: origin.channelId,
                }
              : {}),
            authorId: command.authorId,
            ...(command.automated ? { automated: true } : {}),
            text: command.text,
            attachments: command.attachments,
            at: ctx.now,
          },
        },
      ];
      // Only a person's public reply answers: it achieves first and next response, and starts the next periodic update.
      if (!command.automated)
        events.push(...achieve(state, ctx, ['first-response', 'next-response', 'periodic-update']));
      let after = fold(state, events);
      const to = command.status ?? (state.status === 'new' || state.status === 'solved' ? 'open' : undefined);
      if (to) {
        const changed = statusChange(after, to, 'agent-reply', command.authorId, ctx);
        events.push(...changed);
        after = fold(after, changed);
      }
      if (!command.automated && isActive(after) && after.status !== 'pending')
        events.push(...startCycle(after, ctx, 'periodic-update'));
      return events;
    }
    case 'reply-delivered':
      return state.replies.get(command.replyId) === 'posted'
        ? [
            {
              type: 'tickets.reply-delivered.v1',
              data: { ticketId: id, replyId: command.replyId, at: command.at },
            },
          ]
        : [];
    case 'reply-failed':
      return state.replies.has(command.replyId) &&
        !state.failedAttempts.has(`${command.replyId}:${command.attempt}`)
        ? [
            {
              type: 'tickets.reply-delivery-failed.v1',
              data: {
                ticketId: id,
                replyId: command.replyId,
                reason: command.reason,
                attempt: command.attempt,
                at: command.at,
              },
            },
          ]
        : [];
    case 'note':
      if (state.notes.has(command.noteId)) return [];
      return [
        {
          type: 'tickets.note-added.v1',
          data: {
            ticketId: id,
            noteId: command.noteId,
            authorId: command.authorId,
            text: command.text,
            at: ctx.now,
          },
        },
      ];
    case 'set-status':
      if (state.status === 'closed') return reject(TICKET_CLOSED);
      return statusChange(state, command.to, 'agent', command.by, ctx);
    case 'update': {
      if (state.status === 'closed') return reject(TICKET_CLOSED);
      const changes = Object.fromEntries(Object.entries(command.changes).filter(([, v]) => v !== undefined));
      if (Object.keys(changes).length === 0) return [];
      return [
        {
          type: 'tickets.ticket-updated.v1',
          data: { ticketId: id, ...changes, by: command.by, at: ctx.now },
        },
      ];
    }
    case 'link-contact':
      return state.contactId === command.contactId
        ? []
        : [{ type: 'tickets.contact-linked.v1', data: { ticketId: id, contactId: command.contactId } }];
    case 'assign': {
      if (!isActive(state)) return reject(`a ${state.status} ticket is not assigned`);
      if (state.assignee === command.agentId) return [];
      // A plan made for a group the ticket has left since (a routing rule, a transfer) is stale.
      if (command.group && command.group !== state.group) return reject(`the ticket moved to ${state.group}`);
      if (state.assignee && command.onlyIfUnassigned) return reject(`already assigned to ${state.assignee}`);
      const events: TicketEvent[] = [];
      if (state.assignee)
        events.push({
          type: 'tickets.ticket-unassigned.v1',
          data: { ticketId: id, agentId: state.assignee, reason: 'unassigned', at: ctx.now },
        });
      events.push({
        type: 'tickets.ticket-assigned.v1',
        data: {
          ticketId: id,
          agentId: command.agentId,
          group: state.group as string,
          ...(state.contactId ? { contactId: state.contactId } : {}),
          by: command.by,
          ...(command.reasons ? { reasons: command.reasons } : {}),
          at: ctx.now,
        },
      });
      if (state.status === 'new')
        events.push(...statusChange(fold(state, events), 'open', 'agent', command.by, ctx));
      return events;
    }
    case 'unassign':
      if (!state.assignee || (command.agentId && state.assignee !== command.agentId)) return [];
      return [
        {
          type: 'tickets.ticket-unassigned.v1',
          data: { ticketId: id, agentId: state.assignee, reason: command.reason, at: ctx.now },
        },
      ];
    case 'transfer': {
      if (state.status === 'closed') return reject(TICKET_CLOSED);
      const events: TicketEvent[] = [
        {
          type: 'tickets.ticket-transferred.v1',
          data: {
            ticketId: id,
            ...customerOf(state),
            fromGroup: state.group as string,
            toGroup: command.toGroup,
            ...(state.assignee ? { fromAgentId: state.assignee } : {}),
            ...(command.toAgentId ? { toAgentId: command.toAgentId } : {}),
            note: command.note,
            by: command.by,
            at: ctx.now,
          },
        },
      ];
      if (state.assignee)
        events.push({
          type: 'tickets.ticket-unassigned.v1',
          data: { ticketId: id, agentId: state.assignee, reason: 'transfer', at: ctx.now },
        });
      return events;
    }
    case 'escalate': {
      if (!isActive(state)) return reject(`a ${state.status} ticket is not escalated`);
      const priority = raised(state.priority, command.raisePriority);
      return [
        {
          type: 'tickets.ticket-escalated.v1',
          data: {
            ticketId: id,
            ...customerOf(state),
            fromGroup: state.group as string,
            toGroup: command.toGroup,
            ...(priority ? { priority } : {}),
            notify: [],
            cause: 'manual',
            note: command.note,
            by: command.by,
            at: ctx.now,
          },
        },
        ...(state.assignee && command.toGroup !== state.group
          ? [
              {
                type: 'tickets.ticket-unassigned.v1' as const,
                data: { ticketId: id, agentId: state.assignee, reason: 'escalation' as const, at: ctx.now },
              },
            ]
          : []),
      ];
    }
    case 'fire-timer':
      return fireTimer(command, state);
    case 'auto-close':
      if (state.status !== 'solved' || !state.closesAt || state.closesAt > ctx.now) return [];
      return statusChange(state, 'closed', 'auto-close', 'system', ctx);
    case 'close':
      if (state.origin?.kind !== 'import') return reject('only an imported ticket is closed by command');
      if (state.status !== 'solved') return reject('a ticket is solved before it is closed');
      return statusChange(state, 'closed', 'api', command.by, ctx);
    case 'rate': {
      const survey = state.surveys.get(command.surveyId);
      // An imported rating answers the survey the other help desk sent (none was recorded here).
      const imported = !survey && state.origin?.kind === 'import' && !state.surveys.size;
      if (!imported) {
        if (!survey) return reject('no such survey');
        if (survey.rated) return reject('this survey was already answered');
        if (survey.expiresAt <= ctx.now) return reject('this survey has expired');
      }
      return [
        {
          type: 'tickets.csat-rated.v1',
          data: {
            ticketId: id,
            ...customerOf(state),
            surveyId: command.surveyId,
            score: command.score,
            ...(command.comment ? { comment: command.comment } : {}),
            ...(state.lastAssignee ? { agentId: state.lastAssignee } : {}),
            at: ctx.now,
          },
        },
      ];
    }
    case 'evaluate': {
      // The agent who handled it: named, or the one who holds or last held it.
      const agentId = command.agentId ?? state.assignee ?? state.lastAssignee;
      if (!agentId) return reject('no agent has handled this ticket yet');
      if (agentId !== state.assignee && agentId !== state.lastAssignee)
        return reject(`${agentId} has not handled this ticket`);
      if (command.by === agentId) return reject('an agent does not evaluate their own ticket');
      const criteria = Object.values(command.scores);
      if (criteria.length === 0) return reject('score at least one criterion');
      const percent = Math.round((criteria.reduce((a, b) => a + b, 0) / (criteria.length * 5)) * 1000) / 10;
      return [
        {
          type: 'tickets.agent-evaluated.v1',
          data: {
            ticketId: id,
            evaluationId: command.evaluationId,
            agentId,
            rubric: command.rubric,
            scores: command.scores,
            percent,
            ...(command.comment ? { comment: command.comment } : {}),
            by: command.by,
            at: ctx.now,
          },
        },
      ];
    }
    case 'reconcile-sla':
      return [];
    case 'merge-into': {
      if (command.intoTicketId === id) return reject('a ticket cannot be merged into itself');
      if (state.status === 'closed') return reject(TICKET_CLOSED);
      const events: TicketEvent[] = [
        {
          type: 'tickets.ticket-merged.v1',
          data: { ticketId: id, intoTicketId: command.intoTicketId, by: command.by, at: ctx.now },
        },
      ];
      if (state.assignee)
        events.push({
          type: 'tickets.ticket-unassigned.v1',
          data: { ticketId: id, agentId: state.assignee, reason: 'merged', at: ctx.now },
        });
      // Folded after the unassignment above, so the close does not unassign a second time.
      events.push(...statusChange(fold(state, events), 'closed', 'merge', command.by, ctx));
      return events;
    }
    case 'erase':
      if (state.erased) return [];
      return [
        ...(isActive(state) ? statusChange(state, 'closed', 'api', 'erasure', ctx) : []),
        { type: 'tickets.ticket-erased.v1', data: { ticketId: id, ...customerOf(state), erasedAt: ctx.now } },
      ];
    case 'absorb':
      if (state.status === 'closed') return reject(TICKET_CLOSED);
      return [
        {
          type: 'tickets.ticket-absorbed.v1',
          data: {
            ticketId: id,
            mergedTicketId: command.mergedTicketId,
            ...(command.conversationId ? { conversationId: command.conversationId } : {}),
            by: command.by,
            at: ctx.now,
          },
        },
      ];
  }
}

/** A durable timer came due: a warning or breach is recorded once per metric and cycle, if the clock still runs late. */
function fireTimer(
  command: Extract<TicketCommand, { kind: 'fire-timer' }>,
  state: TicketState,
): TicketEvent[] {
  const { ctx } = command;
  const clock = state.clocks[command.metric];
  const key = firedKey(command.metric, command.cycle, command.timer);
  if (!clock || clock.cycle !== command.cycle || clock.state !== 'running' || state.fired.has(key)) return [];
  const due = command.timer === 'breach' ? clock.dueAt : clock.warnAt;
  if (!due || due > ctx.now) return [];
  const id = state.ticketId as string;
  const events: TicketEvent[] = [
    {
      type: command.timer === 'breach' ? 'tickets.sla-breached.v1' : 'tickets.sla-warned.v1',
      data: { ticketId: id, metric: command.metric, cycle: command.cycle, dueAt: due, at: ctx.now },
    },
  ];
  const escalation = ctx.escalation?.[command.timer];
  if (escalation) {
    const toGroup = escalation.toGroup ?? undefined;
    const priority = raised(state.priority, escalation.raisePriority);
    const notify = escalation.notifySupervisors ? (ctx.escalation?.supervisors ?? []) : [];
    if ((toGroup && toGroup !== state.group) || priority || notify.length) {
      events.push({
        type: 'tickets.ticket-escalated.v1',
        data: {
          ticketId: id,
          ...customerOf(state),
          fromGroup: state.group as string,
          ...(toGroup && toGroup !== state.group ? { toGroup } : {}),
          ...(priority ? { priority } : {}),
          notify,
          cause: command.timer === 'breach' ? 'sla-breach' : 'sla-warning',
          metric: command.metric,
          by: 'sla',
          at: ctx.now,
        },
      });
      if (toGroup && toGroup !== state.group && state.assignee)
        events.push({
          type: 'tickets.ticket-unassigned.v1',
          data: { ticketId: id, agentId: state.assignee, reason: 'escalation', at: ctx.now },
        });
    }
  }
  return events;
}

/**
 * The ticket decider: lifecycle, replies, notes, assignment, transfer, escalation, SLA clocks and
 * CSAT. After each decision the SLA policy is matched again (priority, group, tier or book may have
 * changed), so targets follow the ticket.
 */
export const ticketDecider: Decider<TicketCommand, TicketState, TicketEvent> = {
  initialState: initialTicketState,
  evolve: evolveTicket,
  decide(command, state) {
    const decided = decideCore(command, state);
    if (!Array.isArray(decided)) return decided;
    const after = fold(state, decided);
    if (!after.ticketId) return decided;
    const reconciled = reconcilePolicy(after, command.ctx, channelOf(after));
    return [...decided, ...reconciled];
  },
};
