import { z } from 'zod';
import { defineEvent } from '../catalogue/event-catalogue';
import type { EventOf } from '../catalogue/event-catalogue';
import { boundedJson } from '../size/size-limits';

/** The kinds of channel a customer reaches the company on. */
export const CHANNELS = ['web-chat', 'email', 'wechat', 'app', 'partner-api', 'phone'] as const;
export type ChannelKind = (typeof CHANNELS)[number];

// Bounds shared by the channels' edges and their events, chosen so that no event can outgrow a Kafka
// message (see EVENT_MAX_BYTES and the size spec): an edge refuses, or for email truncates, past them.
/** The longest message text (UTF-16 units); email bodies past it are truncated with a marker. */
export const MESSAGE_TEXT_MAX = 40_000;
/** The most attachments one message carries. */
export const ATTACHMENTS_MAX = 20;
/** The most identities one event names. */
export const IDENTITIES_MAX = 10;
/** The longest call transcript (UTF-16 units). */
export const TRANSCRIPT_MAX = 100_000;
/** The longest provider message id (RFC 5322 caps a header line at 998 characters). */
export const PROVIDER_ID_MAX = 998;
/** The most Message-IDs an email's References keep: the thread root and the latest ones. */
export const EMAIL_REFERENCES_MAX = 10;
/** The largest rule set, as JSON. */
export const RULE_SET_MAX_BYTES = 256 * 1024;

/**
 * How a channel knows the customer; contacts resolves identities to a contact. One scheme per kind,
 * whichever entry point records it (a channel, a journey event, a lookup):
 * - email: the address, lower-cased; phone: E.164; wechat-openid / wechat-unionid: as WeChat gives them;
 * - app-user-id: the company's own user id, as the app and the shop know it (no prefix);
 * - partner-id: `<partner channel id>:<the partner's user id>` (each partner numbers its users itself);
 * - visitor-id: the web chat's anonymous visitor id.
 */
export const IDENTITY_SCHEMES =
  'email: lower-cased address; phone: E.164; wechat-openid, wechat-unionid: as WeChat gives them; app-user-id: the company user id as the app and the shop know it; partner-id: <partner channel id>:<partner user id>; visitor-id: the web chat visitor id';

export const channelIdentity = z.object({
  kind: z
    .enum(['visitor-id', 'email', 'phone', 'wechat-openid', 'wechat-unionid', 'app-user-id', 'partner-id'])
    .describe(IDENTITY_SCHEMES),
  value: z.string().min(1).max(320),
  /** True when the channel attests it (a signed partner call, a verified login, WeChat's own ids). */
  verified: z.boolean(),
});
export type ChannelIdentity = z.infer<typeof channelIdentity>;

/** Where a conversation happens: the kind of channel and the configured channel (inbox, account…). */
const channelFields = {
  conversationId: z.uuid(),
  channel: z.enum(CHANNELS),
  channelId: z.string().min(1).max(100),
};

/** A file kept by the provider or an upload service; events carry the reference, never the bytes. */
export const attachmentReference = z.object({
  reference: z.string().min(1).max(2048),
  contentType: z.string().min(1).max(255),
  name: z.string().max(255).optional(),
  sizeBytes: z.number().int().nonnegative().optional(),
});
const attachments = z.array(attachmentReference).max(ATTACHMENTS_MAX).default([]);

/** Why an attachment the customer sent was not taken. */
export const ATTACHMENT_REFUSALS = ['too-large'] as const;
/** An attachment that was not taken (its bytes are gone): what the agent and the customer are told. */
export const refusedAttachment = z.object({
  name: z.string().max(255).optional(),
  contentType: z.string().min(1).max(255),
  sizeBytes: z.number().int().nonnegative(),
  reason: z.enum(ATTACHMENT_REFUSALS),
  /** The size limit it went over (for too-large). */
  limitBytes: z.number().int().positive().optional(),
});
export type RefusedAttachment = z.infer<typeof refusedAttachment>;
const identities = z.array(channelIdentity).min(1).max(IDENTITIES_MAX);
const actorId = z.string().min(1).max(200);

const routingHints = z.object({
  group: z.string().min(1).max(100).optional(),
  skill: z.string().min(1).max(100).optional(),
  priority: z.enum(['low', 'normal', 'high', 'urgent']).optional(),
});
export type RoutingHints = z.infer<typeof routingHints>;

export const conversationStarted = defineEvent({
  type: 'channels.conversation-started.v1',
  description:
    'A customer opened a conversation on a channel (first message, chat session or call). The identities say who the channel saw.',
  contactScoped: false,
  personalData: ['identities[].value', 'subject'],
  schema: z.object({
    ...channelFields,
    identities,
    subject: z.string().max(998).optional(),
    /** When the customer first showed up (their first message, call or identification). */
    startedAt: z.iso.datetime().optional(),
  }),
});

export const messageReceived = defineEvent({
  type: 'channels.message-received.v1',
  description:
    'A message from the customer arrived. providerMessageId (WeChat MsgId, email Message-ID, API idempotency key) makes ingestion idempotent.',
  contactScoped: false,
  personalData: [
    'identities[].value',
    'text',
    'attachments[].reference',
    'attachments[].name',
    'refusedAttachments[].name',
    'emailThread.subject',
  ],
  schema: z.object({
    ...channelFields,
    messageId: z.uuid(),
    providerMessageId: z.string().min(1).max(PROVIDER_ID_MAX),
    identities,
    text: z.string().max(MESSAGE_TEXT_MAX).optional(),
    /** The customer wrote more than MESSAGE_TEXT_MAX: text is the start of it, with a marker at the end. */
    textTruncated: z.boolean().optional(),
    attachments,
    /** Attachments that were not taken (too large): the text still is, and the sender is told. */
    refusedAttachments: z.array(refusedAttachment).max(ATTACHMENTS_MAX).optional(),
    /** A channel event that is not a message: a WeChat subscribe or menu click. */
    customerAction: z
      .object({
        name: z.enum(['subscribe', 'unsubscribe', 'menu-click', 'scan']),
        key: z.string().max(256).optional(),
      })
      .optional(),
    /** Email threading: this message's Message-ID and the References chain it answered (root and latest). */
    emailThread: z
      .object({
        messageId: z.string().max(PROVIDER_ID_MAX),
        references: z.array(z.string().max(PROVIDER_ID_MAX)).max(EMAIL_REFERENCES_MAX),
        subject: z.string().max(998).optional(),
      })
      .optional(),
    receivedAt: z.iso.datetime(),
  }),
});

/**
 * The author id (kind automation) of the satisfaction survey's message. Its text carries the survey's link, a
 * one-time rating credential meant for the customer: views for agents and the customer's timeline leave the
 * link out, so that no one rates in the customer's place.
 */
export const CSAT_SURVEY_AUTHOR = 'csat';

/** Whether a message-sent event's author is the satisfaction survey. */
export const isSurveyAuthor = (author: { kind: string; id: string }): boolean =>
  author.kind === 'automation' && author.id === CSAT_SURVEY_AUTHOR;

export const messageSent = defineEvent({
  type: 'channels.message-sent.v1',
  description:
    'An agent or an automation sent a message into a conversation; delivery follows as message-delivered or message-delivery-failed.',
  contactScoped: false,
  personalData: ['text', 'attachments[].reference', 'attachments[].name'],
  schema: z.object({
    ...channelFields,
    messageId: z.uuid(),
    author: z.object({ kind: z.enum(['agent', 'automation']), id: actorId }),
    text: z.string().min(1).max(MESSAGE_TEXT_MAX),
    attachments,
    /** Set when the reply went out at once in the webhook's own response (WeChat passive reply). */
    passive: z.boolean().default(false),
    sentAt: z.iso.datetime(),
  }),
});

export const messageDelivered = defineEvent({
  type: 'channels.message-delivered.v1',
  description: 'A sent message reached the channel provider (SMTP accepted it, WeChat returned errcode 0…).',
  contactScoped: false,
  schema: z.object({
    ...channelFields,
    messageId: z.uuid(),
    providerMessageId: z.string().max(PROVIDER_ID_MAX).optional(),
    attempt: z.number().int().positive(),
  }),
});

export const messageDeliveryFailed = defineEvent({
  type: 'channels.message-delivery-failed.v1',
  description:
    'One delivery attempt of a sent message failed; it is retried with backoff and dead-lettered after the last attempt.',
  contactScoped: false,
  personalData: ['reason'],
  schema: z.object({
    ...channelFields,
    messageId: z.uuid(),
    reason: z.string().min(1).max(2000),
    attempt: z.number().int().positive(),
  }),
});

export const visitorIdentified = defineEvent({
  type: 'channels.visitor-identified.v1',
  description:
    'An anonymous web visitor said who they are (e.g. gave an email); verified says whether the channel attests it.',
  contactScoped: false,
  personalData: ['visitorId', 'identities[].value', 'name'],
  schema: z.object({
    ...channelFields,
    visitorId: z.string().min(1).max(200),
    identities,
    name: z.string().max(200).optional(),
  }),
});

export const messagesRead = defineEvent({
  type: 'channels.messages-read.v1',
  description: 'The customer or an agent read a conversation up to a message (read receipt).',
  contactScoped: false,
  schema: z.object({
    ...channelFields,
    reader: z.enum(['customer', 'agent']),
    upToMessageId: z.uuid(),
  }),
});

export const conversationRouted = defineEvent({
  type: 'channels.conversation-routed.v1',
  description:
    'Channel rules tagged a conversation with a group, skill or priority for the assignment engine.',
  contactScoped: false,
  schema: z.object({
    ...channelFields,
    hints: routingHints,
    ruleIds: z.array(z.string().max(100)).min(1).max(500),
  }),
});

const callFields = {
  ...channelFields,
  callId: z.string().min(1).max(200),
};

export const callStarted = defineEvent({
  type: 'channels.call-started.v1',
  description: 'A call rang (inbound from the customer or outbound to them).',
  contactScoped: false,
  personalData: ['identities[].value'],
  schema: z.object({
    ...callFields,
    direction: z.enum(['inbound', 'outbound']),
    identities,
    startedAt: z.iso.datetime(),
  }),
});

export const callAnswered = defineEvent({
  type: 'channels.call-answered.v1',
  description: 'An agent (or the customer, outbound) answered the call.',
  contactScoped: false,
  schema: z.object({ ...callFields, agentId: actorId.optional(), answeredAt: z.iso.datetime() }),
});

export const callEnded = defineEvent({
  type: 'channels.call-ended.v1',
  description: 'The call ended; answered=false is a missed call.',
  contactScoped: false,
  schema: z.object({
    ...callFields,
    answered: z.boolean(),
    durationSeconds: z.number().int().nonnegative(),
    endedAt: z.iso.datetime(),
  }),
});

export const callRecorded = defineEvent({
  type: 'channels.call-recorded.v1',
  description: "The provider published the call's recording and/or its transcript.",
  contactScoped: false,
  personalData: ['recordingUrl', 'transcript'],
  schema: z.object({
    ...callFields,
    recordingUrl: z.url().max(2048).optional(),
    transcript: z.string().max(TRANSCRIPT_MAX).optional(),
  }),
});

export const conversationErased = defineEvent({
  type: 'channels.conversation-erased.v1',
  description:
    "The customer's personal data was erased (contacts' personal-data-erased): the conversation's key is deleted, so its words and identities read as [erased], and it takes nothing more; the same customer writing again starts a new conversation.",
  contactScoped: false,
  schema: z.object({ ...channelFields, erasedAt: z.iso.datetime({ offset: true }) }),
});

export const emailMessageIndexed = defineEvent({
  type: 'channels.email-message-indexed.v1',
  description:
    "Email threading: one stream per Message-ID seen or sent on an inbox (named by a keyed digest of the inbox and the Message-ID, so it holds neither), naming the conversation the message belongs to. A reply whose In-Reply-To or References names any message of a thread, the customer's or ours, joins that thread's conversation. The first conversation indexed for a Message-ID keeps it.",
  contactScoped: false,
  schema: z.object({ conversationId: z.uuid(), channelId: z.string().min(1).max(100) }),
});

export const rulesConfigured = defineEvent({
  type: 'channels.rules-configured.v1',
  description:
    "A supervisor replaced the channels' auto-reply and routing rules and business hours (the rule format is in the channels service's OpenAPI).",
  contactScoped: false,
  schema: z.object({
    ruleSet: boundedJson(
      z.object({ businessHours: z.unknown().optional(), rules: z.array(z.unknown()) }),
      RULE_SET_MAX_BYTES,
    ),
    configuredBy: actorId,
  }),
});

export const CHANNELS_EVENTS = [
  rulesConfigured,
  conversationStarted,
  messageReceived,
  messageSent,
  messageDelivered,
  messageDeliveryFailed,
  visitorIdentified,
  messagesRead,
  conversationRouted,
  callStarted,
  callAnswered,
  callEnded,
  callRecorded,
  conversationErased,
  emailMessageIndexed,
] as const;

/** Every channels event, type and data, from the contracts above. */
export type ChannelsEvent = EventOf<(typeof CHANNELS_EVENTS)[number]>;
/** The events of a conversation: every channels event but the rule set's. */
export type ConversationEventOf = Exclude<
  ChannelsEvent,
  { type: 'channels.rules-configured.v1' | 'channels.email-message-indexed.v1' }
>;
/** One channels event's data, by type. */
export type ChannelsEventData<T extends ChannelsEvent['type']> = Extract<ChannelsEvent, { type: T }>['data'];
