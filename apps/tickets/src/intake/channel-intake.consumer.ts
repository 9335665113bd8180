import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ERASED, EXCERPT_MAX, journeyCatalogue } from '@journey/contracts';
import type { ChannelsEvent, EventEnvelope } from '@journey/contracts';
import type { PersonalDataProtection } from '@journey/eventstore';
import { EventConsumer, MESSAGE_BUS, PERSONAL_DATA, STREAM_PARKING } from '@journey/messaging';
import type { MessageBus, StreamParking } from '@journey/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
import { Boards } from '../board/boards';
import { TICKET_CLOSED } from '../ticket/domain/ticket.decider';
import { Tickets } from '../ticket/tickets';
import { TICKETS_OPTIONS } from '../tickets-options';
import type { TicketsOptions } from '../tickets-options';

const excerpt = (text: string | undefined) =>
  text === undefined || text === ERASED
    ? undefined
    : text.length > EXCERPT_MAX
      ? `${text.slice(0, EXCERPT_MAX - 1)}…`
      : text;

/**
 * Turns customer conversations into tickets: a customer's message joins the conversation's open ticket
 * (reopening it if solved) or opens one (a new one once the last closed); routing hints from channel
 * rules set the ticket's group, skill and priority; deliveries of agents' replies come back to the ticket.
 */
@Injectable()
export class ChannelIntakeConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: EventConsumer;

  constructor(
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @Inject(PERSONAL_DATA) personalData: PersonalDataProtection,
    @Inject(STREAM_PARKING) parking: StreamParking,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(TICKETS_OPTIONS) private readonly options: TicketsOptions,
    private readonly tickets: Tickets,
    private readonly boards: Boards,
  ) {
    this.consumer = new EventConsumer({
      bus,
      groupId: `${config.kafka.consumerGroup}-intake`,
      topics: ['journey.channels.v1'],
      catalogue: journeyCatalogue,
      personalData,
      parking,
      handle: (envelope) => this.handle(envelope),
      onDeadLetter: (_, reason) => this.logger.error({ reason }, 'ticket intake: dead-lettered'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
  }

  private async handle(envelope: EventEnvelope): Promise<void> {
    const event = { type: envelope.type, data: envelope.data } as ChannelsEvent;
    const meta = { correlationId: envelope.correlationId, causationId: envelope.id };
    switch (event.type) {
      case 'channels.message-received.v1': {
        const d = event.data;
        // A WeChat subscribe or menu click is not a question for an agent.
        if (d.customerAction && !d.text) return;
        for (let attempt = 0; attempt < 3; attempt++) {
          const { ticketId, state } = await this.tickets.currentTicketOf(d.conversationId);
          if (!state.status) {
            const contactId = await this.boards.contactOfConversation(d.conversationId);
            const subject = d.emailThread?.subject ?? excerpt(d.text)?.slice(0, 120);
            const opened = await this.tickets.execute(
              ticketId,
              {
                kind: 'open',
                ticket: {
                  ticketId,
                  origin: {
                    kind: 'conversation',
                    conversationId: d.conversationId,
                    channel: d.channel,
                    channelId: d.channelId,
                  },
                  ...(subject && subject !== ERASED ? { subject } : {}),
                  ...(contactId ? { contactId } : {}),
                  priority: 'normal',
                  group: this.options.channelGroups.get(d.channelId) ?? this.options.defaultGroup,
                  tags: [],
                  skills: [],
                  openedBy: 'customer',
                },
              },
              { ...meta, commandKey: `open:${ticketId}`, at: d.receivedAt },
            );
            if (!opened.ok) throw new Error(opened.reason);
          }
          const added = await this.tickets.execute(
            ticketId,
            {
              kind: 'add-customer-message',
              conversationId: d.conversationId,
              messageId: d.messageId,
              ...(excerpt(d.text) ? { excerpt: excerpt(d.text) as string } : {}),
              at: d.receivedAt,
            },
            { ...meta, commandKey: `message:${d.messageId}`, at: d.receivedAt },
          );
          if (added.ok) return;
          // Closed between the lookup and the message: the next generation takes it.
          if (added.reason !== TICKET_CLOSED) throw new Error(added.reason);
        }
        throw new Error(`conversation ${d.conversationId}: no open ticket after 3 tries`);
      }
      case 'channels.conversation-routed.v1': {
        const { ticketId, state } = await this.tickets.currentTicketOf(event.data.conversationId);
        if (!state.status) return;
        const hints = event.data.hints;
        if (hints.priority || hints.skill)
          await this.tickets.execute(
            ticketId,
            {
              kind: 'update',
              changes: {
                ...(hints.priority ? { priority: hints.priority } : {}),
                ...(hints.skill ? { skills: [hints.skill] } : {}),
              },
              by: 'channel-rules',
            },
            { ...meta, commandKey: `routed:${envelope.id}` },
          );
        if (hints.group && hints.group !== state.group && /^[a-z0-9][a-z0-9._-]{0,63}$/.test(hints.group))
          await this.tickets.execute(
            ticketId,
            {
              kind: 'transfer',
              toGroup: hints.group,
              note: `routed by channel rules ${event.data.ruleIds.join(', ')}`.slice(0, 1000),
              by: 'channel-rules',
            },
            { ...meta, commandKey: `routed-group:${envelope.id}` },
          );
        return;
      }
      case 'channels.message-delivered.v1':
      case 'channels.message-delivery-failed.v1': {
        // Only replies a ticket posted (their message id is the reply id) come back to a ticket.
        const d = event.data;
        for (const ticketId of await this.tickets.ticketsOf(d.conversationId)) {
          const { state } = await this.tickets.load(ticketId);
          if (!state.replies.has(d.messageId)) continue;
          await this.tickets.execute(
            ticketId,
            event.type === 'channels.message-delivered.v1'
              ? { kind: 'reply-delivered', replyId: d.messageId, at: envelope.time }
              : {
                  kind: 'reply-failed',
                  replyId: d.messageId,
                  reason: event.data.reason === ERASED ? 'delivery failed' : event.data.reason,
                  attempt: event.data.attempt,
                  at: envelope.time,
                },
            { ...meta, commandKey: `delivery:${envelope.id}` },
          );
        }
        return;
      }
      default:
        return;
    }
  }
}
