import { Inject, Injectable } from '@nestjs/common';
import { journeyCatalogue } from '@journey/contracts';
import { DuplicateEventError, handleCommand } from '@journey/eventstore';
import type { AggregateCaches, CommandOutcome, EventStore } from '@journey/eventstore';
import { AGGREGATE_CACHES, EVENT_STORE, KEYED_IDS } from '@journey/messaging';
import type { KeyedIds } from '@journey/platform';
import { Boards } from '../board/boards';
import { CsatTokens } from '../sla/csat-tokens';
import { TicketsSettings } from '../sla/sla-book';
import { TICKETS_OPTIONS } from '../tickets-options';
import type { TicketsOptions } from '../tickets-options';
import { conversationTicketId, derivedId, ticketStream } from './ticket-ids';
import { ticketDecider } from './domain/ticket.decider';
import type { TicketCommand, TicketContext } from './domain/ticket.decider';
import type { TicketEvent, TicketState } from './domain/ticket.state';

/** A ticket command as callers give it: the handler adds the time, the SLA book and the customer's tier. */
export type TicketRequest = TicketCommand extends infer C
  ? C extends TicketCommand
    ? Omit<C, 'ctx'>
    : never
  : never;

const DAY_MS = 24 * 60 * 60 * 1000;
/** How many tickets one conversation may go through (a new one after each close). */
const GENERATIONS_MAX = 1_000;

export interface ExecuteOptions {
  correlationId: string;
  causationId?: string;
  /** Event ids derive from it, so the same command retried (a redelivery) appends nothing twice. */
  commandKey?: string;
  /** The time the command takes effect (a consumed event's own time), default now. */
  at?: string;
}

/** The ticket use cases' one way to the event store: complete the command, decide, validate, append. */
@Injectable()
export class Tickets {
  private readonly csat: CsatTokens;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AGGREGATE_CACHES) private readonly caches: AggregateCaches,
    @Inject(KEYED_IDS) ids: KeyedIds,
    @Inject(TICKETS_OPTIONS) private readonly options: TicketsOptions,
    private readonly settings: TicketsSettings,
    private readonly boards: Boards,
  ) {
    this.csat = new CsatTokens(ids);
  }

  get tokens(): CsatTokens {
    return this.csat;
  }

  /** What a command is decided with: the time, the SLA book, the customer's tier, a survey, the escalation. */
  async contextFor(request: TicketRequest, state: TicketState, now: string): Promise<TicketContext> {
    const book = await this.settings.book();
    const contactId = state.contactId ?? (request.kind === 'open' ? request.ticket.contactId : undefined);
    const vipTier = contactId ? (await this.boards.contact(contactId))?.vipTier : undefined;
    const ctx: TicketContext = {
      now,
      book,
      autoCloseDays: this.options.autoCloseDays,
      ...(vipTier ? { vipTier } : {}),
    };
    const ticketId = state.ticketId;
    if (ticketId && (request.kind === 'set-status' || request.kind === 'reply')) {
      const surveyId = derivedId(`csat:${ticketId}:${state.solvedCount + 1}`);
      ctx.survey = {
        surveyId,
        token: this.csat.issue(ticketId, surveyId),
        expiresAt: new Date(Date.parse(now) + this.options.csatTtlDays * DAY_MS).toISOString(),
      };
    }
    if (request.kind === 'fire-timer' && state.policy?.policyId) {
      const policy = book.policies.find((p) => p.id === state.policy?.policyId);
      const group = state.group ? await this.settings.group(state.group) : undefined;
      ctx.escalation = {
        ...(policy?.onWarning ? { warning: policy.onWarning } : {}),
        ...(policy?.onBreach
          ? {
              breach: {
                ...policy.onBreach,
                ...(policy.onBreach.toGroup ? {} : group?.escalatesTo ? { toGroup: group.escalatesTo } : {}),
              },
            }
          : {}),
        supervisors: group?.supervisors ?? [],
      };
    }
    return ctx;
  }

  /** Runs one command on a ticket. */
  async execute(
    ticketId: string,
    request: TicketRequest,
    options: ExecuteOptions,
  ): Promise<CommandOutcome<TicketEvent, TicketState | undefined>> {
    try {
      return await handleCommand(
        this.store,
        ticketStream(ticketId),
        ticketDecider,
        { ...request, ctx: undefined } as unknown as TicketCommand,
        {
          metadata: {
            source: 'tickets',
            correlationId: options.correlationId,
            ...(options.causationId ? { causationId: options.causationId } : {}),
            schemaVersion: 1,
          },
          enrich: async (command, state) => ({
            ...command,
            ctx: await this.contextFor(request, state, options.at ?? new Date().toISOString()),
          }),
          cache: this.caches.for<TicketState>('ticket'),
          validate: (e) => journeyCatalogue.check(e.type, e.data),
          ...(options.commandKey
            ? { eventId: (_: unknown, i: number) => derivedId(`${options.commandKey as string}#${i}`) }
            : {}),
        },
      );
    } catch (err) {
      if (err instanceof DuplicateEventError)
        return { ok: true, events: [], nextExpectedRevision: undefined, state: undefined };
      throw err;
    }
  }

  async load(ticketId: string): Promise<{ state: TicketState; events: TicketEvent[] }> {
    const recorded = await this.store.readStream(ticketStream(ticketId));
    const events = recorded.map((r) => ({ type: r.type, data: r.data }) as TicketEvent);
    return { state: events.reduce(ticketDecider.evolve, ticketDecider.initialState()), events };
  }

  /** The conversation's ticket now: the first generation that is not closed (it may not exist yet). */
  async currentTicketOf(conversationId: string): Promise<{ ticketId: string; state: TicketState }> {
    for (let generation = 1; generation < GENERATIONS_MAX; generation++) {
      const ticketId = conversationTicketId(conversationId, generation);
      const { state } = await this.load(ticketId);
      if (state.status !== 'closed') return { ticketId, state };
    }
    const ticketId = conversationTicketId(conversationId, GENERATIONS_MAX);
    return { ticketId, state: (await this.load(ticketId)).state };
  }

  /** Every ticket a conversation has had (for replies that come back, and erasure). */
  async ticketsOf(conversationId: string): Promise<string[]> {
    const found: string[] = [];
    for (let generation = 1; generation < GENERATIONS_MAX; generation++) {
      const ticketId = conversationTicketId(conversationId, generation);
      if ((await this.store.streamRevision(ticketStream(ticketId))) === undefined) break;
      found.push(ticketId);
    }
    return found;
  }
}
