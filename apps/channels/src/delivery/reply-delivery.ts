import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ERASED, journeyCatalogue } from '@journey/contracts';
import type { EventEnvelope } from '@journey/contracts';
import type { PersonalDataProtection } from '@journey/eventstore';
import { EventConsumer, failureReason, MESSAGE_BUS, PERSONAL_DATA, STREAM_PARKING } from '@journey/messaging';
import type { MessageBus, StreamParking } from '@journey/messaging';
import { PermanentFailure, SERVICE_CONFIG, SERVICE_LOGGER } from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
import { CHANNELS_CONFIG } from '../channel-config/channels-config';
import type { ChannelsConfig } from '../channel-config/channels-config';
import { Conversations } from '../conversation/conversations';
import type { ConversationEvent, ConversationState } from '../conversation/domain/conversation.decider';
import { EmailThreads } from '../webhooks/email/email-threads';
import { EmailSender } from './email-sender';
import { PartnerCallback } from './partner-callback';
import { WechatApi } from './wechat-api';

type Sent = Extract<ConversationEvent, { type: 'channels.message-sent.v1' }>['data'];

/** Options the delivery worker reads from the environment (DELIVERY_MAX_ATTEMPTS, DELIVERY_BACKOFF_MS). */
export const DELIVERY_OPTIONS = Symbol('DELIVERY_OPTIONS');
export interface DeliveryOptions {
  maxAttempts: number;
  backoffMs: number;
}

/**
 * The delivery worker: consumes message-sent events and sends each reply on its channel (SMTP,
 * WeChat's customer-service API, a partner's callback). Every attempt's outcome is an event; a
 * failing delivery is retried with backoff and, after the last attempt, lands in the dead-letter
 * topic, from where `journey dlq redrive` sends it again. A delivered message is never sent again.
 */
@Injectable()
export class ReplyDelivery implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: EventConsumer;

  constructor(
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @Inject(PERSONAL_DATA) personalData: PersonalDataProtection,
    @Inject(STREAM_PARKING) parking: StreamParking,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(CHANNELS_CONFIG) private readonly channels: ChannelsConfig,
    @Inject(DELIVERY_OPTIONS) options: DeliveryOptions,
    private readonly conversations: Conversations,
    private readonly email: EmailSender,
    private readonly wechat: WechatApi,
    private readonly partner: PartnerCallback,
    private readonly threads: EmailThreads,
  ) {
    this.consumer = new EventConsumer({
      bus,
      groupId: `${config.kafka.consumerGroup}-delivery`,
      topics: ['journey.channels.v1'],
      maxAttempts: options.maxAttempts,
      backoffMs: (attempt) => Math.min(60_000, options.backoffMs * 2 ** (attempt - 1)),
      catalogue: journeyCatalogue,
      personalData,
      parking,
      handle: (envelope) => this.handle(envelope),
      onDeadLetter: (_, reason) => this.logger.error({ reason }, 'delivery: dead-lettered'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
  }

  private async handle(envelope: EventEnvelope): Promise<void> {
    if (envelope.type !== 'channels.message-sent.v1') return;
    const data = envelope.data as Sent; // checked by the consumer against the catalogue
    if (data.passive || data.channel === 'web-chat' || data.channel === 'phone') return;
    // The customer's data was erased before this reply went out: there is nothing left to send.
    if (data.text === ERASED) return;
    const { state, events } = await this.conversations.load(data.conversationId);
    if (!state.messages.has(data.messageId)) {
      // Not in this store: the conversation was erased, or the event comes from another deployment.
      this.logger.warn({ eventId: envelope.id }, 'delivery: message not found in the event store; skipped');
      return;
    }
    if (state.messages.get(data.messageId)?.delivered) return; // a redelivered event: sent already
    const attempt =
      events.filter(
        (e) => e.type === 'channels.message-delivery-failed.v1' && e.data.messageId === data.messageId,
      ).length + 1;
    let providerMessageId: string | undefined;
    try {
      providerMessageId = await this.deliver(data, state);
    } catch (err) {
      const reason = (err as Error).message ?? String(err);
      await this.record(data, attempt, { delivered: false, reason: reason.slice(0, 2000) }, envelope.id);
      // A provider that is down is someone else's outage, not ours to wait out: the consumer counts the
      // attempt, tries again with backoff, then parks the conversation's replies until a redrive.
      throw new PermanentFailure(`delivery failed: ${failureReason(err)}`, { cause: err });
    }
    await this.record(
      data,
      attempt,
      { delivered: true, ...(providerMessageId ? { providerMessageId } : {}) },
      envelope.id,
    );
  }

  private async record(
    data: Sent,
    attempt: number,
    outcome: { delivered: true; providerMessageId?: string } | { delivered: false; reason: string },
    causationId: string,
  ): Promise<void> {
    await this.conversations.execute(
      data.conversationId,
      { kind: 'record-delivery', messageId: data.messageId, attempt, outcome },
      {
        correlationId: causationId,
        causationId,
        ...(outcome.delivered ? { commandKey: `delivered:${data.messageId}` } : {}),
      },
    );
  }

  /** Sends on the conversation's channel; returns the provider's id for the message where there is one. */
  private async deliver(data: Sent, state: ConversationState): Promise<string | undefined> {
    const identity = (kind: string) => state.identities.find((i) => i.kind === kind)?.value;
    switch (data.channel) {
      case 'email': {
        const inbox = this.channels.email?.inboxes.find((i) => i.id === data.channelId);
        if (!inbox) throw new Error(`no email inbox ${data.channelId} is configured`);
        const to = identity('email');
        if (!to) throw new Error('the conversation has no email address to reply to');
        const last = state.lastEmail;
        const subject = state.subject ?? last?.subject ?? 'Your message';
        const messageId = `<${data.messageId}@${inbox.address.split('@')[1] ?? 'journey.invalid'}>`;
        // Indexed before it leaves, so that the customer's answer to it finds this conversation.
        await this.threads.index(inbox.id, messageId, data.conversationId, data.messageId);
        return this.email.send({
          smtpUrl: inbox.smtpUrl,
          from: { address: inbox.address, ...(inbox.displayName ? { name: inbox.displayName } : {}) },
          to,
          subject: /^re:/i.test(subject) ? subject : `Re: ${subject}`,
          text: data.text,
          messageId,
          ...(last ? { inReplyTo: last.messageId } : {}),
          references: last ? [...last.references, last.messageId] : [],
        });
      }
      case 'wechat': {
        const account = this.channels.wechat.find((a) => a.id === data.channelId);
        if (!account) throw new Error(`no WeChat account ${data.channelId} is configured`);
        const openid = identity('wechat-openid');
        if (!openid) throw new Error('the conversation has no WeChat openid');
        await this.wechat.sendText(account, openid, data.text);
        return undefined;
      }
      case 'app':
      case 'partner-api': {
        const channel = this.channels.api.find((c) => c.id === data.channelId);
        if (!channel?.callbackUrl) throw new Error(`API channel ${data.channelId} has no callback URL`);
        const user = identity(data.channel === 'app' ? 'app-user-id' : 'partner-id');
        await this.partner.post(channel.callbackUrl, channel.secret, {
          conversationId: data.conversationId,
          messageId: data.messageId,
          userId: data.channel === 'app' ? user : user?.slice(data.channelId.length + 1),
          text: data.text,
          attachments: data.attachments,
          sentAt: data.sentAt,
        });
        return undefined;
      }
      default:
        throw new Error(`replies on ${data.channel} are not delivered by this worker`);
    }
  }
}
