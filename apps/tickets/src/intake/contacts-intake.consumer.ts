import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { journeyCatalogue } from '@journey/contracts';
import type { ContactsEvent, EventEnvelope, JourneyEventKind } from '@journey/contracts';
import type { PersonalDataProtection } from '@journey/eventstore';
import { EventConsumer, MESSAGE_BUS, PERSONAL_DATA, STREAM_PARKING } from '@journey/messaging';
import type { MessageBus, StreamParking } from '@journey/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
import { Boards } from '../board/boards';
import { TicketsSettings } from '../sla/sla-book';
import { proactiveTicketId, ticketStream } from '../ticket/ticket-ids';
import { Tickets } from '../ticket/tickets';
import { matchingRules } from './proactive-rules';

/**
 * What tickets takes from contacts: the customer behind a conversation (linked to its ticket), their
 * tier changing (SLA targets follow), journey facts that proactive rules turn into tickets, and erasure
 * (each of their tickets is closed and its key deleted, so what they said reads as [erased]).
 */
@Injectable()
export class ContactsIntakeConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: EventConsumer;

  constructor(
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @Inject(PERSONAL_DATA) private readonly personalData: PersonalDataProtection,
    @Inject(STREAM_PARKING) parking: StreamParking,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    private readonly tickets: Tickets,
    private readonly boards: Boards,
    private readonly settings: TicketsSettings,
  ) {
    this.consumer = new EventConsumer({
      bus,
      groupId: `${config.kafka.consumerGroup}-contacts`,
      topics: ['journey.contacts.v1'],
      catalogue: journeyCatalogue,
      personalData,
      parking,
      handle: (envelope) => this.handle(envelope),
      onDeadLetter: (_, reason) => this.logger.error({ reason }, 'contacts intake: dead-lettered'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
  }

  private async handle(envelope: EventEnvelope): Promise<void> {
    const event = { type: envelope.type, data: envelope.data } as ContactsEvent;
    const meta = { correlationId: envelope.correlationId, causationId: envelope.id };
    switch (event.type) {
      case 'contacts.interaction-recorded.v1': {
        const { ticketId, state } = await this.tickets.currentTicketOf(event.data.conversationId);
        if (state.status && state.contactId !== event.data.contactId)
          await this.tickets.execute(
            ticketId,
            { kind: 'link-contact', contactId: event.data.contactId },
            { ...meta, commandKey: `link:${envelope.id}` },
          );
        return;
      }
      case 'contacts.vip-tier-set.v1':
        for (const ticketId of await this.boards.ticketsOfContact(event.data.contactId))
          await this.tickets.execute(
            ticketId,
            { kind: 'reconcile-sla' },
            { ...meta, commandKey: `tier:${envelope.id}:${ticketId}` },
          );
        return;
      case 'contacts.journey-event-recorded.v1':
        return this.proactive(envelope, event.data);
      case 'contacts.personal-data-erased.v1': {
        const ids = new Set(await this.boards.ticketsOfContact(event.data.contactId));
        for (const conversationId of event.data.conversationIds)
          for (const ticketId of await this.tickets.ticketsOf(conversationId)) ids.add(ticketId);
        for (const ticketId of ids) {
          const outcome = await this.tickets.execute(
            ticketId,
            { kind: 'erase' },
            { ...meta, commandKey: `erase:${envelope.id}:${ticketId}` },
          );
          if (!outcome.ok && outcome.reason !== 'no such ticket') throw new Error(outcome.reason);
        }
        await this.personalData.erase([...ids].map(ticketStream));
        this.logger.info({ tickets: ids.size }, 'tickets erased');
        return;
      }
      default:
        return;
    }
  }

  private async proactive(
    envelope: EventEnvelope,
    d: Extract<ContactsEvent, { type: 'contacts.journey-event-recorded.v1' }>['data'],
  ) {
    const rules = matchingRules(
      await this.settings.proactiveRules(),
      d.kind as JourneyEventKind,
      d.details as Record<string, unknown>,
    );
    for (const rule of rules) {
      const ticketId = proactiveTicketId(rule.id, d.contactId, d.externalId);
      const outcome = await this.tickets.execute(
        ticketId,
        {
          kind: 'open',
          ticket: {
            ticketId,
            origin: { kind: 'proactive', ruleId: rule.id, journeyKind: d.kind, externalId: d.externalId },
            subject: rule.subject,
            contactId: d.contactId,
            priority: rule.priority,
            group: rule.group,
            tags: rule.tags,
            skills: [],
            openedBy: `rule:${rule.id}`,
          },
        },
        {
          correlationId: envelope.correlationId,
          causationId: envelope.id,
          commandKey: `proactive:${ticketId}`,
        },
      );
      if (!outcome.ok) throw new Error(outcome.reason);
      if (outcome.events.length) {
        await this.tickets.execute(
          ticketId,
          { kind: 'update', changes: { orderIds: [d.externalId] }, by: `rule:${rule.id}` },
          {
            correlationId: envelope.correlationId,
            causationId: envelope.id,
            commandKey: `proactive-order:${ticketId}`,
          },
        );
        this.logger.info({ ruleId: rule.id }, 'proactive ticket opened');
      }
    }
  }
}
