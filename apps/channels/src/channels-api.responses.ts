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
  readByAgent: z.boolean().optional().describe("a customer's message: whether an agent has read it"),
  survey: z
    .object({ url: z.url() })
    .optional()
    .describe(
      'a satisfaction survey: POST {score, comment?} to this link (the widget shows a rating prompt)',
    ),
});

const call = z.object({
  callId: z.string(),
  direction: z.enum(['inbound', 'outbound']).optional(),
  startedAt: z.iso.datetime().optional(),
  answeredAt: z.iso.datetime().optional(),
  agentId: z.string().optional(),
  endedAt: z.iso.datetime().optional(),
  answered: z.boolean().optional(),
  durationSeconds: z.number().int().optional(),
});

const conversationSummary = z.object({
  conversationId: z.uuid(),
  channel: z.enum(CHANNELS),
  channelId: z.string(),
  status: z.enum(['awaiting-agent', 'awaiting-customer', 'erased']),
  startedAt: z.string().optional(),
  updatedAt: z.string(),
  subject: z.string().optional(),
  lastMessage: z
    .object({
      at: z.string(),
      from: z.enum(['customer', 'agent', 'automation']),
      excerpt: z.string().optional(),
    })
    .optional(),
  messageCount: z.number().int(),
  identities: z.array(channelIdentity),
  contactIds: z.array(z.uuid()),
  calls: z
    .array(call.extend({ recording: z.boolean(), transcript: z.boolean() }))
    .optional()
    .describe('phone: whether a recording and a transcript exist (GET /v1/conversations/{id} gives them)'),
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
  widgetSettings: z.object({
    channelId: z.string(),
    title: z.string().optional(),
    preChat: z.enum(['off', 'optional', 'required']),
    helpCenterUrl: z
      .url()
      .optional()
      .describe(
        'the public help centre the widget searches while the visitor types (absent: no suggestions)',
      ),
  }),
  conversation: visitorConversation.extend({
    channel: z.enum(CHANNELS),
    channelId: z.string(),
    identities: z.array(channelIdentity),
    routing: z.object({ group: z.string(), skill: z.string(), priority: z.string() }).partial(),
    calls: z
      .array(call.extend({ recordingUrl: z.url().optional(), transcript: z.string().optional() }))
      .optional()
      .describe('phone conversations: each call with its phases, recording and transcript'),
  }),
  conversationPage: z.object({
    conversations: z.array(conversationSummary),
    nextCursor: z.string().optional().describe('pass it as cursor for the next page; absent on the last'),
  }),
  replySent: z.object({
    messageId: z.uuid(),
    duplicate: z.boolean(),
    delivery: z.enum(['pending', 'delivered']),
  }),
};
