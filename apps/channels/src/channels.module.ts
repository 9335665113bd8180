import { Module } from '@nestjs/common';
import { z } from 'zod';
import { EventSourcingModule } from '@journey/messaging';
import { CHANNELS_CONFIG, loadChannelsConfig } from './channel-config/channels-config';
import { ChatController } from './chat/chat.controller';
import { WidgetController } from './chat/widget.controller';
import { ChatGateway } from './chat/chat.gateway';
import { ChatHub } from './chat/chat-hub';
import { WebChat } from './chat/web-chat';
import { ConversationErasureConsumer } from './conversation/adapters/conversation-erasure.consumer';
import { ConversationsController } from './conversation/adapters/conversations.controller';
import { Conversations } from './conversation/conversations';
import { ConversationList } from './conversation/list/conversation-list';
import { ReplySender } from './conversation/send-reply/reply-sender';
import { EmailSender } from './delivery/email-sender';
import { PartnerCallback } from './delivery/partner-callback';
import { DELIVERY_OPTIONS, ReplyDelivery } from './delivery/reply-delivery';
import type { DeliveryOptions } from './delivery/reply-delivery';
import { WechatApi } from './delivery/wechat-api';
import { AutoAnswersConsumer } from './delivery/auto-answers.consumer';
import { OutboundReplies } from './delivery/outbound-replies';
import { TicketRepliesConsumer } from './delivery/ticket-replies.consumer';
import { RuleBook } from './rules/adapters/rule-book';
import { RulesController } from './rules/adapters/rules.controller';
import { EmailIntake } from './webhooks/email/email-intake';
import { EmailProvidersController } from './webhooks/email/email-providers.controller';
import { EmailThreads } from './webhooks/email/email-threads';
import { EmailWebhookController } from './webhooks/email/email-webhook.controller';
import { SignedWebhooksController } from './webhooks/signed/signed-webhooks.controller';
import { WechatReplayGuard } from './webhooks/wechat/wechat-replay-guard';
import { WechatWebhookController } from './webhooks/wechat/wechat-webhook.controller';
import { describeIssues } from '@journey/contracts';

const deliveryEnv = z.object({
  DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(6),
  DELIVERY_BACKOFF_MS: z.coerce.number().int().min(10).max(600_000).default(1_000),
});

function deliveryOptions(): DeliveryOptions {
  const parsed = deliveryEnv.safeParse(process.env);
  if (!parsed.success) throw new Error(`invalid configuration: ${describeIssues(parsed.error)}`);
  return { maxAttempts: parsed.data.DELIVERY_MAX_ATTEMPTS, backoffMs: parsed.data.DELIVERY_BACKOFF_MS };
}

/** The channels bounded context: entry points, conversations, rules and reply delivery. */
@Module({
  imports: [EventSourcingModule.forService()],
  controllers: [
    ChatController,
    ConversationsController,
    EmailWebhookController,
    EmailProvidersController,
    RulesController,
    SignedWebhooksController,
    WechatWebhookController,
    WidgetController,
  ],
  providers: [
    { provide: CHANNELS_CONFIG, useFactory: () => loadChannelsConfig() },
    { provide: DELIVERY_OPTIONS, useFactory: deliveryOptions },
    ChatGateway,
    ChatHub,
    ConversationErasureConsumer,
    ConversationList,
    Conversations,
    EmailIntake,
    EmailSender,
    EmailThreads,
    PartnerCallback,
    ReplyDelivery,
    ReplySender,
    RuleBook,
    TicketRepliesConsumer,
    AutoAnswersConsumer,
    OutboundReplies,
    WebChat,
    WechatApi,
    WechatReplayGuard,
  ],
})
export class ChannelsModule {}
