import { Inject, Injectable } from '@nestjs/common';
import { EXCERPT_MAX, journeyCatalogue, SLA_METRICS } from '@journey/contracts';
import type { EventStore } from '@journey/eventstore';
import { EVENT_STORE } from '@journey/messaging';
import { derivedId, ticketStream } from '../ticket/ticket-ids';
import { Tickets } from '../ticket/tickets';
import type { TicketRequest } from '../ticket/tickets';
import { ticketDecider } from '../ticket/domain/ticket.decider';
import type { TicketCommand } from '../ticket/domain/ticket.decider';
import { firedKey, isActive } from '../ticket/domain/ticket.state';
import type { TicketEvent, TicketState } from '../ticket/domain/ticket.state';
import type { ImportedEntry, ImportedTicket } from './import-formats';

export interface ImportOutcome {
  externalId: string;
  ticketId: string;
  /** Events recorded by this run (0 when an earlier run recorded them all). */
  recorded: number;
  /** Entries the ticket's rules refused (with why), recorded as nothing. */
  skipped: { key: string; reason: string }[];
  /** Why nothing of this ticket was recorded (its history does not fit the event contracts). */
  error?: string;
}

interface Step {
  key: string;
  request: TicketRequest;
  at: string;
}

/**
 * Records another help desk's ticket history as our events, each at its own occurrence time. The
 * history runs through the same ticket decider as live work, with the time of each entry as "now",
 * so SLA clocks, pauses, breaches (fired at their due times, between the entries they fell between)
 * and ratings come out exactly as they would have live. Event ids derive from the source, the ticket
 * and the entry, so a second import of the same export records nothing; an entry the first export
 * lacked (a late one) is decided on the ticket as it stands and recorded with its own time. A ticket
 * still open at the end queues for routing here.
 */
@Injectable()
export class TicketImport {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly tickets: Tickets,
  ) {}

  async record(
    ticket: ImportedTicket,
    correlationId: string,
    now = new Date().toISOString(),
  ): Promise<ImportOutcome> {
    const ticketId = derivedId(`import:${ticket.source}:${ticket.externalId}`);
    const prefix = `import:${ticket.source}:${ticket.externalId}`;
    const stream = ticketStream(ticketId);
    // What an earlier import (and the live service since) recorded: a second import goes on from there.
    const stored = await this.store.readStream(stream);
    const existing = new Set(stored.map((e) => e.id));
    const revision = stored.at(-1)?.revision;
    const again = stored.length > 0;
    const decided: { id: string; event: TicketEvent; at: string }[] = [];
    const skipped: ImportOutcome['skipped'] = [];
    let state: TicketState = stored
      .map((r) => ({ type: r.type, data: r.data }) as TicketEvent)
      .reduce(ticketDecider.evolve, ticketDecider.initialState());

    const apply = async ({ key, request, at }: Step) => {
      // Recorded by an earlier import: nothing to decide again.
      if (existing.has(derivedId(`${prefix}:${key}#0`))) return;
      const ctx = await this.tickets.contextFor(request, state, at);
      const outcome = ticketDecider.decide({ ...request, ctx } as TicketCommand, state);
      if (!Array.isArray(outcome)) {
        skipped.push({ key, reason: outcome.reason });
        return;
      }
      outcome.forEach((event, i) => decided.push({ id: derivedId(`${prefix}:${key}#${i}`), event, at }));
      state = outcome.reduce(ticketDecider.evolve, state);
    };
    /** The warnings and breaches a live timer would have fired up to `until`, each at its own due time. */
    const fireDue = async (until: string) => {
      for (;;) {
        const due = SLA_METRICS.flatMap((metric) => {
          const clock = state.clocks[metric];
          if (!clock || clock.state !== 'running') return [];
          return (['warning', 'breach'] as const)
            .map((timer) => ({
              metric,
              cycle: clock.cycle,
              timer,
              at: timer === 'breach' ? clock.dueAt : clock.warnAt,
            }))
            .filter(
              (t): t is typeof t & { at: string } =>
                !!t.at && t.at <= until && !state.fired.has(firedKey(t.metric, t.cycle, t.timer)),
            );
        }).sort((a, b) => a.at.localeCompare(b.at))[0];
        if (!due) return;
        const before = decided.length;
        await apply({
          key: `timer:${due.metric}:${due.cycle}:${due.timer}`,
          request: { kind: 'fire-timer', metric: due.metric, cycle: due.cycle, timer: due.timer },
          at: due.at,
        });
        if (decided.length === before) return; // nothing more to fire
      }
    };

    if (again) {
      // Entries the earlier export lacked are decided on the ticket as it stands, each at its own
      // time (a note, a message, a rating); what the ticket's rules refuse now (a reply to a closed
      // ticket) is reported as skipped, and the live timers own its clocks from the first import on.
      const recorded = (key: string) => existing.has(derivedId(`${prefix}:${key}#0`));
      const last = stored.reduce((max, e) => {
        const d = e.data as { at?: string; openedAt?: string };
        const at = d.at ?? d.openedAt ?? '';
        return at > max ? at : max;
      }, '');
      for (const entry of ticket.entries) {
        if (recorded(entry.key) || recorded(`${entry.key}:solved`)) continue;
        if (entry.at >= last) {
          for (const step of this.steps(prefix, entry, state)) await apply(step);
          continue;
        }
        // Older than what is recorded: a note or a rating changes nothing else, so the decider records
        // it as it is; a message or reply is recorded as the bare fact, at its time, without replaying
        // the ticket's life into the past; a change of state is not recorded.
        if (entry.kind === 'note' || entry.kind === 'rating') {
          for (const step of this.steps(prefix, entry, state)) await apply(step);
          continue;
        }
        const fact = this.lateFact(prefix, ticketId, entry);
        if (typeof fact === 'string') skipped.push({ key: entry.key, reason: fact });
        else {
          decided.push({ id: derivedId(`${prefix}:${entry.key}#0`), event: fact, at: entry.at });
          state = ticketDecider.evolve(state, fact);
        }
      }
    } else {
      await apply({
        key: 'opened',
        at: ticket.openedAt,
        request: {
          kind: 'open',
          ticket: {
            ticketId,
            origin: { kind: 'import', source: ticket.source, externalId: ticket.externalId },
            ...(ticket.subject ? { subject: ticket.subject } : {}),
            priority: ticket.priority,
            ...(ticket.type ? { type: ticket.type } : {}),
            group: ticket.group,
            tags: ticket.tags,
            skills: [],
            openedBy: `${ticket.source}-import`,
          },
        },
      });
      for (const entry of ticket.entries) {
        await fireDue(entry.at);
        for (const step of this.steps(prefix, entry, state)) await apply(step);
      }
      await fireDue(now);
      // Still open: it queues here, for an agent of this help desk (the other one's agents are not ours).
      if (isActive(state) && state.assignee)
        await apply({
          key: 'queued',
          at: now,
          request: { kind: 'unassign', reason: 'unassigned', agentId: state.assignee },
        });
    }

    for (const d of decided) {
      const reason = journeyCatalogue.check(d.event.type, d.event.data);
      // Nothing of a ticket whose history does not fit the contracts is recorded.
      if (reason) return { externalId: ticket.externalId, ticketId, recorded: 0, skipped, error: reason };
    }
    if (decided.length)
      await this.store.append(
        stream,
        decided.map((d) => ({
          id: d.id,
          type: d.event.type,
          data: d.event.data,
          // The envelope's time is when the import recorded it; the data carries when it happened.
          metadata: { source: 'tickets', correlationId, time: now, schemaVersion: 1 },
        })),
        revision ?? 'no_stream',
      );
    return { externalId: ticket.externalId, ticketId, recorded: decided.length, skipped };
  }

  /** A late message or reply as the bare fact it records, or why a late entry is not recorded. */
  private lateFact(prefix: string, ticketId: string, entry: ImportedEntry): TicketEvent | string {
    const { key, at } = entry;
    switch (entry.kind) {
      case 'customer-message':
        return {
          type: 'tickets.customer-message-added.v1',
          data: {
            ticketId,
            conversationId: derivedId(`${prefix}:conversation`),
            messageId: derivedId(`${prefix}:${key}`),
            excerpt: entry.text.slice(0, EXCERPT_MAX),
            at,
          },
        };
      case 'reply':
        return {
          type: 'tickets.reply-posted.v1',
          data: {
            ticketId,
            replyId: derivedId(`${prefix}:${key}`),
            authorId: entry.author,
            ...(entry.automated ? { automated: true } : {}),
            text: entry.text,
            attachments: [],
            at,
          },
        };
      default:
        return 'older than the history already recorded: a change of state is not replayed into the past';
    }
  }

  /** The commands one entry of the history is, as of the state before it. */
  private steps(prefix: string, entry: ImportedEntry, state: TicketState): Step[] {
    const { key, at } = entry;
    const step = (request: TicketRequest, suffix = ''): Step => ({ key: `${key}${suffix}`, request, at });
    switch (entry.kind) {
      case 'customer-message':
        return [
          step({
            kind: 'add-customer-message',
            conversationId: derivedId(`${prefix}:conversation`),
            messageId: derivedId(`${prefix}:${key}`),
            excerpt: entry.text.slice(0, EXCERPT_MAX),
            at,
          }),
        ];
      case 'reply':
        return [
          step({
            kind: 'reply',
            replyId: derivedId(`${prefix}:${key}`),
            authorId: entry.author,
            text: entry.text,
            attachments: [],
            automated: entry.automated,
          }),
        ];
      case 'note':
        return [
          step({
            kind: 'note',
            noteId: derivedId(`${prefix}:${key}`),
            authorId: entry.author,
            text: entry.text,
          }),
        ];
      case 'status':
        if (entry.to !== 'closed') return [step({ kind: 'set-status', to: entry.to, by: entry.by })];
        return [
          ...(state.status === 'solved'
            ? []
            : [step({ kind: 'set-status', to: 'solved', by: entry.by }, ':solved')]),
          step({ kind: 'close', by: entry.by }),
        ];
      case 'assignment':
        if (entry.agentId)
          return [step({ kind: 'assign', agentId: entry.agentId, by: 'import', onlyIfUnassigned: false })];
        return state.assignee
          ? [step({ kind: 'unassign', reason: 'unassigned', agentId: state.assignee })]
          : [];
      case 'priority':
        return [step({ kind: 'update', changes: { priority: entry.priority }, by: 'import' })];
      case 'rating':
        return [
          step({
            kind: 'rate',
            surveyId: derivedId(`${prefix}:rating`),
            score: entry.score,
            ...(entry.comment ? { comment: entry.comment } : {}),
          }),
        ];
    }
  }
}
