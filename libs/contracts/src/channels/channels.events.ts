import { z } from 'zod';
import { defineEvent } from '../catalogue/event-catalogue';

/** The channels a customer reaches the company on. */
export const CHANNELS = ['web-chat', 'email', 'wechat', 'app', 'partner-api', 'phone'] as const;

/** How a channel knows the customer (contacts resolves it to a contact). */
export const channelIdentity = z.object({
  kind: z.enum([
    'visitor-id',
    'email',
    'phone',
    'wechat-openid',
    'wechat-unionid',
    'app-user-id',
    'partner-id',
  ]),
  value: z.string().min(1).max(320),
  verified: z.boolean(),
});

export const conversationStarted = defineEvent({
  type: 'channels.conversation-started.v1',
  description: 'A customer opened a conversation on a channel (first message, call or chat session).',
  contactScoped: true,
  schema: z.object({
    conversationId: z.string().min(1),
    channel: z.enum(CHANNELS),
    identities: z.array(channelIdentity).min(1),
  }),
});

export const messageReceived = defineEvent({
  type: 'channels.message-received.v1',
  description:
    'A message from the customer arrived on a conversation; providerMessageId makes ingestion idempotent.',
  contactScoped: true,
  schema: z.object({
    conversationId: z.string().min(1),
    channel: z.enum(CHANNELS),
    providerMessageId: z.string().min(1),
    identities: z.array(channelIdentity).min(1),
    text: z.string().max(100_000).optional(),
    attachments: z
      .array(z.object({ url: z.url(), contentType: z.string(), sizeBytes: z.number().int().nonnegative() }))
      .default([]),
  }),
});

export const CHANNELS_EVENTS = [conversationStarted, messageReceived];
