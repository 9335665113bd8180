import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { journeyCatalogue } from '@journey/contracts';
import type { EventEnvelope, TicketsEvent } from '@journey/contracts';
import type { PersonalDataProtection } from '@journey/eventstore';
import { EventConsumer, MESSAGE_BUS, PERSONAL_DATA, STREAM_PARKING } from '@journey/messaging';
import type { MessageBus, StreamParking } from '@journey/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
import { Agents } from '../agent/agents';
import { Boards } from '../board/boards';
import { Tickets } from '../ticket/tickets';
import type { CapacityChannel } from '../agent/domain/agent.decider';
import { Dispatcher } from './dispatcher';

/**
 * Reacts to the tickets service's own events: frees an agent's slot when their ticket is solved, moved
 * or closed; takes a reopened ticket back to its agent (or queues it when they cannot take it);
 * queues an offline agent's tickets again; recomputes SLA targets of open tickets when the policy book
 * changes; and starts a dispatch whenever someone may now take something.
 */
@Injectable()
export class RoutingConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: EventConsumer;

  constructor(
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @Inject(PERSONAL_DATA) personalData: PersonalDataProtection,
    @Inject(STREAM_PARKING) parking: StreamParking,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    private readonly tickets: Tickets,
    private readonly agents: Agents,
    private readonly boards: Boards,
    private readonly dispatcher: Dispatcher,
  ) {
    this.consumer = new EventConsumer({
      bus,
      groupId: `${config.kafka.consumerGroup}-routing`,
      topics: ['journey.tickets.v1'],
      catalogue: journeyCatalogue,
      personalData,
      parking,
      handle: (envelope) => this.handle(envelope),
      onDeadLetter: (_, reason) => this.logger.error({ reason }, 'routing: dead-lettered'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
  }

  private async release(agentId: string, ticketId: string, envelope: EventEnvelope) {
    await this.agents.execute(
      agentId,
      { kind: 'release', ticketId, at: envelope.time },
      {
        correlationId: envelope.correlationId,
        causationId: envelope.id,
        commandKey: `release:${envelope.id}`,
      },
    );
  }

  private async handle(envelope: EventEnvelope): Promise<void> {
    const event = { type: envelope.type, data: envelope.data } as TicketsEvent;
    const meta = { correlationId: envelope.correlationId, causationId: envelope.id };
    switch (event.type) {
      case 'tickets.ticket-opened.v1': {
        const d = event.data;
        // An imported history's later events are in the same append: the board says whether it still queues.
        if (d.origin.kind === 'import') return this.dispatcher.dispatch([d.group]);
        // The board may not show it yet: the ticket is handed to the dispatcher as its opening says.
        const queued = await this.dispatcher.queuedTicket({
          _id: d.ticketId,
          group: d.group,
          ...(d.origin.kind === 'conversation' ? { channel: d.origin.channel } : {}),
          skills: d.skills,
          ...(d.language ? { language: d.language } : {}),
          openedAt: d.openedAt,
          ...(d.contactId ? { contactId: d.contactId } : {}),
        });
        return this.dispatcher.dispatch([d.group], [queued]);
      }
      case 'tickets.contact-linked.v1': {
        // A ticket held for its customer to be known can go now, with what routing knows of them. (A
        // ticket the board does not show yet is still held by the ticket-opened dispatch's wait.)
        const { state } = await this.tickets.load(event.data.ticketId);
        if (!state.group || state.assignee || state.status === 'solved' || state.status === 'closed') return;
        const doc = await this.boards.ticket(event.data.ticketId);
        if (!doc) return;
        const queued = await this.dispatcher.queuedTicket({ ...doc, contactId: event.data.contactId });
        return this.dispatcher.dispatch([state.group], [queued]);
      }
      case 'tickets.ticket-transferred.v1':
        return this.dispatcher.dispatch([event.data.toGroup]);
      case 'tickets.ticket-escalated.v1':
        return event.data.toGroup ? this.dispatcher.dispatch([event.data.toGroup]) : undefined;
      case 'tickets.ticket-unassigned.v1': {
        await this.release(event.data.agentId, event.data.ticketId, envelope);
        const { state } = await this.tickets.load(event.data.ticketId);
        return state.group ? this.dispatcher.dispatch([state.group]) : undefined;
      }
      case 'tickets.ticket-merged.v1':
      case 'tickets.status-changed.v1': {
        const { state } = await this.tickets.load(event.data.ticketId);
        const holder = state.assignee ?? state.lastAssignee;
        if (
          event.type === 'tickets.ticket-merged.v1' ||
          event.data.to === 'solved' ||
          event.data.to === 'closed'
        ) {
          if (holder) await this.release(holder, event.data.ticketId, envelope);
          return;
        }
        if (event.data.from === 'solved' && state.assignee) {
          // Reopened: back to its agent if they can take it, else queued.
          const channel = (
            state.origin?.kind === 'conversation' ? state.origin.channel : 'none'
          ) as CapacityChannel;
          const claim = await this.agents.execute(
            state.assignee,
            { kind: 'claim', ticketId: event.data.ticketId, channel, at: envelope.time },
            { ...meta, commandKey: `reclaim:${envelope.id}` },
          );
          if (!claim.ok)
            await this.tickets.execute(
              event.data.ticketId,
              { kind: 'unassign', reason: 'agent-offline', agentId: state.assignee },
              { ...meta, commandKey: `requeue:${envelope.id}` },
            );
        }
        return;
      }
      case 'tickets.agent-presence-changed.v1': {
        if (event.data.presence === 'offline') {
          // Tickets never stick to an agent who went offline: they queue again, by their age.
          const state = await this.agents.load(event.data.agentId);
          for (const ticketId of state.claims.keys())
            await this.tickets.execute(
              ticketId,
              { kind: 'unassign', reason: 'agent-offline', agentId: event.data.agentId },
              { ...meta, commandKey: `offline:${envelope.id}:${ticketId}` },
            );
          return;
        }
        if (event.data.presence === 'online') return this.dispatchFor(event.data.agentId);
        return;
      }
      case 'tickets.agent-ticket-released.v1':
      case 'tickets.agent-profile-set.v1':
        return this.dispatchFor(event.data.agentId);
      case 'tickets.sla-policies-configured.v1':
        return this.recomputeSla(envelope);
      default:
        return;
    }
  }

  private async dispatchFor(agentId: string): Promise<void> {
    const state = await this.agents.load(agentId);
    if (state.profile) await this.dispatcher.dispatch(state.profile.groups);
  }

  /** A new policy book holds for open tickets too: each is matched again (Zammad's does not). */
  private async recomputeSla(envelope: EventEnvelope): Promise<void> {
    let after: string | undefined;
    for (;;) {
      const ids = await this.boards.activeTicketIds(after);
      for (const ticketId of ids)
        await this.tickets.execute(
          ticketId,
          { kind: 'reconcile-sla' },
          {
            correlationId: envelope.correlationId,
            causationId: envelope.id,
            commandKey: `sla-book:${envelope.id}:${ticketId}`,
          },
        );
      if (ids.length < 500) break;
      after = ids[ids.length - 1];
    }
    this.logger.info({}, 'SLA targets recomputed for open tickets');
  }
}
