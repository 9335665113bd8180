import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Document } from 'mongodb';
import { isTransientError, SERVICE_LOGGER } from '@journey/platform';
import type { Logger } from '@journey/platform';
import { Agents } from '../agent/agents';
import type { CapacityChannel } from '../agent/domain/agent.decider';
import { Boards } from '../board/boards';
import { Tickets } from '../ticket/tickets';
import { TICKETS_OPTIONS } from '../tickets-options';
import type { TicketsOptions } from '../tickets-options';
import { planAssignments } from './domain/assignment-engine';
import type { AgentCandidate, QueuedTicket } from './domain/assignment-engine';

/**
 * Puts queued tickets with agents. Triggered by the events that change who can take what (a ticket
 * queued, an agent online or freed) and by a sweep every dispatch interval as a safety net. The plan
 * comes from the engine; each step is decided from the event store: the agent's stream takes the
 * ticket (capacity, with optimistic concurrency), then the ticket records the assignment; if the
 * ticket was taken meanwhile, the claim is released. So two replicas can plan the same ticket, but
 * neither ever puts an agent past capacity nor assigns a ticket twice.
 */
@Injectable()
export class Dispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly pending = new Set<string>();
  /** When this process first saw a queued ticket whose customer is not known yet (the contact wait). */
  private readonly unknownSince = new Map<string, { since: number; group: string }>();
  private readonly rechecks = new Map<string, NodeJS.Timeout>();
  private stopped = false;
  private sweeps = 0;
  assigned = 0;

  constructor(
    private readonly boards: Boards,
    private readonly agents: Agents,
    private readonly tickets: Tickets,
    @Inject(TICKETS_OPTIONS) private readonly options: TicketsOptions,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const sweep = () => {
      if (this.stopped) return;
      this.sweeps += 1;
      void (this.sweeps % 10 === 0 ? this.releaseStrayClaims() : Promise.resolve(0))
        .then(() => this.boards.groupsWithQueue())
        .then((groups) => this.dispatch(groups))
        .catch((err: unknown) => this.logger.warn({ err }, 'dispatch sweep failed; trying again'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(sweep, this.options.dispatchIntervalMs);
        });
    };
    this.timer = setTimeout(sweep, this.options.dispatchIntervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const t of this.rechecks.values()) clearTimeout(t);
    await this.running;
  }

  /** Dispatches the groups, one pass at a time in this process (other replicas are kept honest by the streams). */
  dispatch(groups: Iterable<string>, extra: QueuedTicket[] = []): Promise<void> {
    for (const g of groups) this.pending.add(g);
    const next = this.running.then(async () => {
      const todo = [...this.pending];
      this.pending.clear();
      for (const group of todo)
        await this.dispatchGroup(
          group,
          extra.filter((t) => t.group === group),
        );
    });
    this.running = next.catch((err: unknown) => {
      if (!isTransientError(err)) this.logger.error({ err }, 'dispatch failed');
    });
    return next;
  }

  /**
   * Claims that never became assignments (a replica stopped between the two appends) are released:
   * a claim is kept only while its ticket, read from the store, is assigned to that agent and active.
   */
  async releaseStrayClaims(olderThanMs = 10_000): Promise<number> {
    let released = 0;
    const agents = await (
      await this.boards.agents()
    )
      .find({ kind: 'agent' })
      .project({ agentId: 1 })
      .toArray();
    for (const doc of agents) {
      const agentId = String(doc['agentId']);
      const state = await this.agents.load(agentId);
      for (const ticketId of state.claims.keys()) {
        const ticket = (await this.tickets.load(ticketId)).state;
        const active = ticket.status !== 'solved' && ticket.status !== 'closed' && !ticket.mergedInto;
        if (ticket.assignee === agentId && active) continue;
        const board = await this.boards.ticket(ticketId);
        const since = Date.parse(String(board?.['assignedAt'] ?? board?.['openedAt'] ?? 0));
        if (ticket.assignee === undefined && active && Date.now() - since < olderThanMs) continue;
        const outcome = await this.agents.execute(
          agentId,
          { kind: 'release', ticketId, at: new Date().toISOString() },
          { correlationId: `release-${ticketId}` },
        );
        if (outcome.ok && outcome.events.length) released += 1;
      }
    }
    return released;
  }

  /**
   * A conversation's ticket is assigned once contacts said who the customer is, or once it waited the
   * contact wait for that: routing on the VIP tier, the traits and the previous agent needs the
   * contact, which contacts attributes a moment after the message. The group is looked at again when
   * the wait of its first held ticket ends.
   */
  private knownOrWaitedFor(group: string, queue: QueuedTicket[]): QueuedTicket[] {
    const now = Date.now();
    const wait = this.options.contactWaitMs;
    let nextCheck = Infinity;
    const ready = queue.filter((t) => {
      if (t.channel === 'none' || t.contact) {
        this.unknownSince.delete(t.ticketId);
        return true;
      }
      const since = this.unknownSince.get(t.ticketId)?.since ?? now;
      this.unknownSince.set(t.ticketId, { since, group });
      if (now - since >= wait) return true;
      nextCheck = Math.min(nextCheck, since + wait - now);
      return false;
    });
    // Forget the group's tickets that left its queue (assigned, moved, solved).
    const queued = new Set(queue.map((t) => t.ticketId));
    for (const [id, held] of this.unknownSince)
      if (held.group === group && !queued.has(id)) this.unknownSince.delete(id);
    if (nextCheck < Infinity && !this.rechecks.has(group) && !this.stopped)
      this.rechecks.set(
        group,
        setTimeout(() => {
          this.rechecks.delete(group);
          void this.dispatch([group]);
        }, nextCheck + 5),
      );
    return ready;
  }

  private async candidates(group: string): Promise<AgentCandidate[]> {
    const ids = await this.boards.groupMembers(group);
    const vipGroups = new Set((await this.boards.vipGroups()).map((g) => String(g['groupId'])));
    const found: AgentCandidate[] = [];
    for (const agentId of ids) {
      // Capacity and presence from the agent's stream, not the board, which lags.
      const state = await this.agents.load(agentId);
      const p = state.profile;
      if (!p || state.presence !== 'online') continue;
      const load: Record<string, number> = {};
      for (const channel of state.claims.values()) load[channel] = (load[channel] ?? 0) + 1;
      found.push({
        agentId,
        groups: p.groups,
        skills: p.skills,
        languages: p.languages,
        channels: p.channels,
        capacity: p.capacity,
        traits: p.traits,
        presence: state.presence,
        load,
        claims: Object.fromEntries(state.claims),
        vipDesk: p.groups.some((g) => vipGroups.has(g)),
      });
    }
    return found;
  }

  /** A ticket as the engine sees it, from its board document (or the same fields from its opening). */
  async queuedTicket(doc: Document): Promise<QueuedTicket> {
    const contactId = doc['contactId'] as string | undefined;
    const contact = contactId ? await this.boards.contact(contactId) : undefined;
    return {
      ticketId: String(doc['_id']),
      group: String(doc['group']),
      channel: (doc['channel'] as CapacityChannel | undefined) ?? 'none',
      skills: (doc['skills'] as string[] | undefined) ?? [],
      ...(doc['language']
        ? { language: String(doc['language']) }
        : contact?.language
          ? { language: contact.language }
          : {}),
      queuedAt: String(doc['queuedAt'] ?? doc['openedAt']),
      // A known customer with nothing routing keeps on them (no tier, traits or past agent) is known.
      ...(contactId
        ? {
            contact: {
              ...(contact?.vipTier ? { vipTier: contact.vipTier } : {}),
              ...(contact?.traits ? { traits: contact.traits } : {}),
              ...(contact?.previousAgents ? { previousAgents: contact.previousAgents } : {}),
            },
          }
        : {}),
    };
  }

  private async dispatchGroup(group: string, extra: QueuedTicket[]): Promise<void> {
    const agents = await this.candidates(group);
    if (agents.length === 0) return;
    const docs = await this.boards.queue(group);
    const all = await Promise.all(docs.map((d) => this.queuedTicket(d)));
    for (const t of extra) {
      const i = all.findIndex((q) => q.ticketId === t.ticketId);
      if (i < 0) all.push(t);
      else if (t.contact && !all[i]?.contact) all[i] = t; // the event knows the customer; the board lags
    }
    const queue = this.knownOrWaitedFor(group, all);
    for (const step of planAssignments(queue, agents)) {
      const ticket = queue.find((q) => q.ticketId === step.ticketId) as QueuedTicket;
      const correlationId = `dispatch-${step.ticketId}`;
      const claim = await this.agents.execute(
        step.agentId,
        { kind: 'claim', ticketId: step.ticketId, channel: ticket.channel, at: new Date().toISOString() },
        { correlationId },
      );
      if (!claim.ok) continue; // full or gone since the plan: the next pass plans again
      const assigned = await this.tickets.execute(
        step.ticketId,
        {
          kind: 'assign',
          agentId: step.agentId,
          by: 'assignment-engine',
          reasons: step.reasons,
          onlyIfUnassigned: true,
          group,
        },
        { correlationId },
      );
      if (assigned.ok && assigned.events.length > 0) {
        this.assigned += 1;
        continue;
      }
      const holder = assigned.ok ? assigned.state?.assignee : undefined;
      if (holder !== step.agentId)
        await this.agents.execute(
          step.agentId,
          { kind: 'release', ticketId: step.ticketId, at: new Date().toISOString() },
          { correlationId },
        );
    }
  }
}
