import { z } from 'zod';
import { attachmentReference, CHANNELS, channelIdentity, refusedAttachment } from '@journey/contracts';

// What the channels API answers, for its OpenAPI document (the answers are built in the use cases).

const messageReceipt = z.object({
  conversationId: z.uuid(),
  messageId: z.uuid(),
  duplicate: z.boolean().describe('true when this message was already recorded (a redelivery)'),
});

const emailReceipt = messageReceipt.extend({
  refusedAttachments: z
    .array(z.object({ name: z.string().optional(), sizeBytes: z.number().int() }))
    .optional()
    .describe('attachments over the size limit: not taken; the sender is told by email, the text is kept'),
});

const conversationMessage = z.object({
  messageId: z.uuid(),
  from: z.enum(['customer', 'agent', 'automation']),
  authorId: z.string().optional(),
  text: z.string().optional(),
  attachments: z.array(attachmentReference),
  refusedAttachments: z.array(refusedAttachment).optional(),
  at: z.iso.datetime(),
  delivery: z.enum(['received', 'pending', 'delivered', 'failed']),
  lastFailure: z.string().optional(),
  readByCustomer: z.boolean(),
});

const visitorConversation = z.object({ conversationId: z.uuid(), messages: z.array(conversationMessage) });

export const CHANNELS_ANSWERS = {
  messageReceipt,
  emailReceipt,
  snsAnswer: z.object({
    received: z.enum(['email', 'subscription-confirmed', 'ignored']),
    conversationId: z.uuid().optional(),
    messageId: z.uuid().optional(),
    duplicate: z.boolean().optional(),
  }),
  callRecorded: z.object({ conversationId: z.uuid(), recorded: z.boolean() }),
  visitorSession: visitorConversation.extend({
    channelId: z.string(),
    visitorId: z.string(),
    token: z.string().describe('send it as x-visitor-token; it resumes the same conversation later'),
  }),
  visitorConversation,
  identified: z.object({ conversationId: z.uuid(), identified: z.boolean() }),
  conversation: visitorConversation.extend({
    channel: z.enum(CHANNELS),
    channelId: z.string(),
    identities: z.array(channelIdentity),
    routing: z.object({ group: z.string(), skill: z.string(), priority: z.string() }).partial(),
  }),
  replySent: z.object({
    messageId: z.uuid(),
    duplicate: z.boolean(),
    delivery: z.enum(['pending', 'delivered']),
  }),
};
