import { createHash } from 'node:crypto';
import { reject } from '@journey/eventstore';
import type { Decider, Rejection } from '@journey/eventstore';
import { ERASED } from '@journey/contracts';
import type {
  ChannelIdentity,
  ChannelKind,
  ConversationEventOf,
  RefusedAttachment,
  RoutingHints,
} from '@journey/contracts';
import { evaluateRules } from '../../rules/domain/channel-rules';
import type { RuleSet } from '../../rules/domain/channel-rules';

export interface Attachment {
  reference: string;
  contentType: string;
  name?: string;
  sizeBytes?: number;
}

interface Where {
  conversationId: string;
  channel: ChannelKind;
  channelId: string;
}

export interface EmailThread {
  messageId: string;
  references: string[];
  subject?: string;
}

/** What a conversation records, shaped by the contracts. */
export type ConversationEvent = ConversationEventOf;

export interface InboundMessage extends Where {
  messageId: string;
  providerMessageId: string;
  identities: ChannelIdentity[];
  text?: string;
  /** The channel cut the customer's text to fit a message (an email's body); text ends with a marker. */
  textTruncated?: boolean;
  attachments: Attachment[];
  /** Attachments not taken (too large): the message keeps its text and the sender is told. */
  refusedAttachments?: RefusedAttachment[];
  customerAction?: { name: 'subscribe' | 'unsubscribe' | 'menu-click' | 'scan'; key?: string };
  emailThread?: EmailThread;
  subject?: string;
  /** The address the customer wrote to (email), for rules. */
  recipient?: string;
  receivedAt: string;
  /**
   * The provider id is an idempotency key the sender chose (the API channels): sent again with other
   * content, it is refused (as Stripe does) instead of being taken for a redelivery.
   */
  strictIdempotency?: boolean;
}

/**
 * What a redelivery must repeat: the customer's words, attachments, action and identities. Kept in
 * the decider's memory as a digest only (never stored); the time of receipt is not part of it.
 */
function contentDigest(m: {
  text?: string | undefined;
  attachments: Attachment[];
  customerAction?: InboundMessage['customerAction'];
  identities: ChannelIdentity[];
}): string {
  const identities = m.identities
    .map((i) => `${i.kind}\u0000${i.value.toLowerCase()}\u0000${i.verified}`)
    .sort();
  // Fields in a fixed order: the stored event comes back from the store with its keys reordered.
  const attachments = m.attachments.map((a) => [
    a.reference,
    a.contentType,
    a.name ?? null,
    a.sizeBytes ?? null,
  ]);
  const action = m.customerAction ? [m.customerAction.name, m.customerAction.key ?? null] : null;
  return createHash('sha256')
    .update(JSON.stringify([m.text ?? null, attachments, action, identities]))
    .digest('base64url');
}

export type ConversationCommand =
  | {
      kind: 'receive-message';
      message: InboundMessage;
      rules: RuleSet;
      /** Id of the automatic reply, when the rules give one. */
      autoReplyMessageId?: string;
      /** The automatic reply goes out in the webhook's response (WeChat passive reply). */
      passiveAutoReply?: boolean;
      /** Id of the notice telling the sender which attachments were refused, when some were. */
      refusalNoticeMessageId?: string;
    }
  | {
      kind: 'send-reply';
      messageId: string;
      author: { kind: 'agent' | 'automation'; id: string };
      text: string;
      attachments: Attachment[];
      sentAt: string;
    }
  | {
      kind: 'record-delivery';
      messageId: string;
      attempt: number;
      outcome: { delivered: true; providerMessageId?: string } | { delivered: false; reason: string };
    }
  | {
      kind: 'identify-visitor';
      where: Where;
      visitorId: string;
      identities: ChannelIdentity[];
      name?: string;
    }
  | { kind: 'mark-read'; reader: 'customer' | 'agent'; upToMessageId: string }
  /** The customer's personal data was erased: the conversation closes for good. */
  | { kind: 'erase'; erasedAt: string }
  | {
      kind: 'record-call';
      where: Where;
      callId: string;
      identities: ChannelIdentity[];
      phase:
        | { name: 'ringing'; direction: 'inbound' | 'outbound'; at: string }
        | { name: 'answered'; agentId?: string; at: string }
        | { name: 'ended'; at: string; durationSeconds?: number }
        | { name: 'recorded'; recordingUrl?: string; transcript?: string };
    };

interface MessageState {
  direction: 'in' | 'out';
  delivered: boolean;
  passive: boolean;
}

interface CallState {
  startedAt?: string;
  answeredAt?: string;
  ended: boolean;
  recorded: boolean;
}

export interface ConversationState {
  where: Where | undefined;
  identities: ChannelIdentity[];
  subject?: string;
  providerMessageIds: Set<string>;
  /** The content digest of each received message by provider id; absent when its words are erased. */
  receivedContent: Map<string, string>;
  messages: Map<string, MessageState>;
  order: string[];
  lastAutoReplies: Record<string, string>;
  routing: RoutingHints;
  /** The customer's last email, for the threading headers of a reply. */
  lastEmail?: EmailThread;
  calls: Map<string, CallState>;
  /** Its customer's personal data was erased: it takes nothing more. */
  erased: boolean;
}

/** Why a command on an erased conversation is refused: the thread goes on in a new conversation. */
export const CONVERSATION_ERASED = "the conversation's personal data was erased";
export const CONVERSATION_NOT_FOUND = 'conversation not found';

const sameIdentity = (a: ChannelIdentity, b: ChannelIdentity) =>
  a.kind === b.kind && a.value.toLowerCase() === b.value.toLowerCase();

const mergeIdentities = (known: ChannelIdentity[], seen: ChannelIdentity[]) => {
  const merged = [...known];
  for (const identity of seen) {
    const i = merged.findIndex((k) => sameIdentity(k, identity));
    if (i < 0) merged.push(identity);
    else if (identity.verified && !merged[i]?.verified) merged[i] = identity;
  }
  return merged;
};

/** A copy of the state whose collections are its own, so that apply may change them in place. */
function owned(state: ConversationState): ConversationState {
  return {
    ...state,
    providerMessageIds: new Set(state.providerMessageIds),
    receivedContent: new Map(state.receivedContent),
    messages: new Map(state.messages),
    order: [...state.order],
    calls: new Map(state.calls),
  };
}

function evolve(state: ConversationState, event: ConversationEvent): ConversationState {
  return apply(owned(state), event);
}

/**
 * Many events onto a state, its collections copied once rather than at every event: a long
 * conversation folds in time linear in its length (copying at every event made it quadratic).
 */
function fold(state: ConversationState, events: readonly ConversationEvent[]): ConversationState {
  const s = owned(state);
  for (const event of events) apply(s, event);
  return s;
}

/** Applies one event to a state that owns its collections (see owned), changing it in place. */
function apply(s: ConversationState, event: ConversationEvent): ConversationState {
  switch (event.type) {
    case 'channels.conversation-started.v1': {
      const { conversationId, channel, channelId, identities, subject } = event.data;
      s.where = { conversationId, channel, channelId };
      s.identities = mergeIdentities(s.identities, identities);
      if (subject !== undefined) s.subject = subject;
      break;
    }
    case 'channels.message-received.v1':
      s.providerMessageIds.add(event.data.providerMessageId);
      if (event.data.text !== ERASED)
        s.receivedContent.set(event.data.providerMessageId, contentDigest(event.data));
      s.messages.set(event.data.messageId, {
        direction: 'in',
        delivered: true,
        passive: false,
      });
      s.order.push(event.data.messageId);
      s.identities = mergeIdentities(s.identities, event.data.identities);
      if (event.data.emailThread) s.lastEmail = event.data.emailThread;
      break;
    case 'channels.message-sent.v1':
      s.messages.set(event.data.messageId, {
        direction: 'out',
        delivered: event.data.passive,
        passive: event.data.passive,
      });
      s.order.push(event.data.messageId);
      if (event.data.author.kind === 'automation')
        s.lastAutoReplies = { ...s.lastAutoReplies, [event.data.author.id]: event.data.sentAt };
      break;
    case 'channels.message-delivered.v1': {
      const m = s.messages.get(event.data.messageId);
      if (m) s.messages.set(event.data.messageId, { ...m, delivered: true });
      break;
    }
    case 'channels.visitor-identified.v1':
      s.identities = mergeIdentities(s.identities, event.data.identities);
      break;
    case 'channels.conversation-routed.v1':
      s.routing = { ...s.routing, ...event.data.hints };
      break;
    case 'channels.call-started.v1':
      s.where ??= {
        conversationId: event.data.conversationId,
        channel: event.data.channel,
        channelId: event.data.channelId,
      };
      s.identities = mergeIdentities(s.identities, event.data.identities);
      s.calls.set(event.data.callId, {
        ...(s.calls.get(event.data.callId) ?? { ended: false, recorded: false }),
        startedAt: event.data.startedAt,
      });
      break;
    case 'channels.call-answered.v1':
      s.calls.set(event.data.callId, {
        ...(s.calls.get(event.data.callId) ?? { ended: false, recorded: false }),
        answeredAt: event.data.answeredAt,
      });
      break;
    case 'channels.call-ended.v1':
      s.calls.set(event.data.callId, {
        ...(s.calls.get(event.data.callId) ?? { recorded: false }),
        ended: true,
      });
      break;
    case 'channels.call-recorded.v1':
      s.calls.set(event.data.callId, {
        ...(s.calls.get(event.data.callId) ?? { ended: false }),
        recorded: true,
      });
      break;
    case 'channels.conversation-erased.v1':
      s.erased = true;
      break;
    default:
      break;
  }
  return s;
}

/** The automation that tells a sender which attachments were not taken. */
export const REFUSAL_NOTICE_AUTHOR = 'attachment-refused';

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** What the sender is told of attachments that were not taken; names are the sender's own words. */
export function refusalNotice(refused: readonly RefusedAttachment[]): string {
  const files = refused
    // The names are the sender's words: one short line each, nothing that could shape the mail.
    .map(
      (a) =>
        `- ${(a.name ?? '(unnamed attachment)').replace(/\s+/g, ' ').slice(0, 100)} (${megabytes(a.sizeBytes)})`,
    )
    .join('\n');
  const limit = refused.find((a) => a.limitBytes)?.limitBytes;
  return [
    'Your message reached us, but these attachments did not:',
    files,
    limit
      ? `Each attachment may be up to ${megabytes(limit)}. Please send larger files as a link, or in smaller parts.`
      : 'Please send them as a link, or in smaller parts.',
  ].join('\n\n');
}

function decideReceive(
  command: Extract<ConversationCommand, { kind: 'receive-message' }>,
  state: ConversationState,
): ConversationEvent[] | Rejection {
  const m = command.message;
  if (state.providerMessageIds.has(m.providerMessageId)) {
    const earlier = state.receivedContent.get(m.providerMessageId);
    if (m.strictIdempotency && earlier !== undefined && earlier !== contentDigest(m))
      return reject(
        `idempotencyKey ${m.providerMessageId} was already used for a message with other content; use a new key for a new message`,
      );
    return []; // a redelivered webhook adds nothing
  }
  if (!m.text && m.attachments.length === 0 && !m.refusedAttachments?.length && !m.customerAction)
    return reject('a message needs text, an attachment or a customer action');
  const where: Where = state.where ?? {
    conversationId: m.conversationId,
    channel: m.channel,
    channelId: m.channelId,
  };
  const events: ConversationEvent[] = [];
  if (!state.where)
    events.push({
      type: 'channels.conversation-started.v1',
      data: {
        ...where,
        identities: m.identities,
        ...(m.subject ? { subject: m.subject } : {}),
        startedAt: m.receivedAt,
      },
    });
  events.push({
    type: 'channels.message-received.v1',
    data: {
      ...where,
      messageId: m.messageId,
      providerMessageId: m.providerMessageId,
      identities: m.identities,
      ...(m.text !== undefined ? { text: m.text } : {}),
      ...(m.textTruncated ? { textTruncated: true } : {}),
      attachments: m.attachments,
      ...(m.refusedAttachments?.length ? { refusedAttachments: m.refusedAttachments } : {}),
      ...(m.customerAction ? { customerAction: m.customerAction } : {}),
      ...(m.emailThread ? { emailThread: m.emailThread } : {}),
      receivedAt: m.receivedAt,
    },
  });
  if (m.refusedAttachments?.length && command.refusalNoticeMessageId)
    events.push({
      type: 'channels.message-sent.v1',
      data: {
        ...where,
        messageId: command.refusalNoticeMessageId,
        author: { kind: 'automation', id: REFUSAL_NOTICE_AUTHOR },
        text: refusalNotice(m.refusedAttachments),
        attachments: [],
        passive: false,
        sentAt: m.receivedAt,
      },
    });
  const outcome = evaluateRules(command.rules, {
    channel: where.channel,
    channelId: where.channelId,
    ...(m.text !== undefined ? { text: m.text } : {}),
    ...(m.recipient ? { recipient: m.recipient } : {}),
    firstMessage: ![...state.messages.values()].some((x) => x.direction === 'in'),
    at: new Date(m.receivedAt),
    lastAutoReplies: state.lastAutoReplies,
  });
  const route = outcome.route;
  if (route) {
    const changed = (Object.keys(route.hints) as (keyof RoutingHints)[]).some(
      (k) => state.routing[k] !== route.hints[k],
    );
    if (changed) events.push({ type: 'channels.conversation-routed.v1', data: { ...where, ...route } });
  }
  const auto = outcome.autoReply;
  if (auto && command.autoReplyMessageId)
    events.push({
      type: 'channels.message-sent.v1',
      data: {
        ...where,
        messageId: command.autoReplyMessageId,
        author: { kind: 'automation', id: auto.ruleId },
        text: auto.text,
        attachments: [],
        passive: command.passiveAutoReply ?? false,
        sentAt: m.receivedAt,
      },
    });
  return events;
}

function decideCall(
  command: Extract<ConversationCommand, { kind: 'record-call' }>,
  state: ConversationState,
): ConversationEvent[] | Rejection {
  const where = state.where ?? command.where;
  const call = state.calls.get(command.callId);
  const p = command.phase;
  const started: ConversationEvent[] = [];
  // Providers may report a call first at "answered" or "ended"; the call starts at the first report.
  if (!call && p.name !== 'ringing') {
    if (p.name === 'recorded') return reject(`call ${command.callId} is not known yet`);
    started.push({
      type: 'channels.call-started.v1',
      data: {
        ...where,
        callId: command.callId,
        direction: 'inbound',
        identities: command.identities,
        startedAt: p.at,
      },
    });
  }
  switch (p.name) {
    case 'ringing':
      if (call) return [];
      return [
        {
          type: 'channels.call-started.v1',
          data: {
            ...where,
            callId: command.callId,
            direction: p.direction,
            identities: command.identities,
            startedAt: p.at,
          },
        },
      ];
    case 'answered':
      if (call?.answeredAt || call?.ended) return [];
      return [
        ...started,
        {
          type: 'channels.call-answered.v1',
          data: {
            ...where,
            callId: command.callId,
            ...(p.agentId ? { agentId: p.agentId } : {}),
            answeredAt: p.at,
          },
        },
      ];
    case 'ended': {
      if (call?.ended) return [];
      const answeredAt = call?.answeredAt;
      const computed = answeredAt
        ? Math.max(0, Math.round((Date.parse(p.at) - Date.parse(answeredAt)) / 1000))
        : 0;
      return [
        ...started,
        {
          type: 'channels.call-ended.v1',
          data: {
            ...where,
            callId: command.callId,
            answered: answeredAt !== undefined,
            durationSeconds: p.durationSeconds ?? computed,
            endedAt: p.at,
          },
        },
      ];
    }
    case 'recorded':
      if (call?.recorded) return [];
      return [
        {
          type: 'channels.call-recorded.v1',
          data: {
            ...where,
            callId: command.callId,
            ...(p.recordingUrl ? { recordingUrl: p.recordingUrl } : {}),
            ...(p.transcript ? { transcript: p.transcript } : {}),
          },
        },
      ];
  }
}

/** A visitor may say who they are before their first message (a pre-chat form): that starts the conversation. */
function decideIdentify(
  command: Extract<ConversationCommand, { kind: 'identify-visitor' }>,
  state: ConversationState,
): ConversationEvent[] | Rejection {
  const where = state.where ?? command.where;
  if (where.channel !== 'web-chat') return reject('only a web-chat visitor can identify');
  const fresh = command.identities.filter(
    (i) => !state.identities.some((k) => sameIdentity(k, i) && (k.verified || !i.verified)),
  );
  if (fresh.length === 0) return [];
  const visitor: ChannelIdentity = { kind: 'visitor-id', value: command.visitorId, verified: true };
  return [
    ...(state.where
      ? []
      : [{ type: 'channels.conversation-started.v1' as const, data: { ...where, identities: [visitor] } }]),
    {
      type: 'channels.visitor-identified.v1',
      data: {
        ...where,
        visitorId: command.visitorId,
        identities: command.identities,
        ...(command.name ? { name: command.name } : {}),
      },
    },
  ];
}

function decide(command: ConversationCommand, state: ConversationState): ConversationEvent[] | Rejection {
  if (command.kind === 'erase') {
    if (state.erased || !state.where) return [];
    return [
      { type: 'channels.conversation-erased.v1', data: { ...state.where, erasedAt: command.erasedAt } },
    ];
  }
  if (state.erased) return reject(CONVERSATION_ERASED);
  if (command.kind === 'receive-message') return decideReceive(command, state);
  if (command.kind === 'record-call') return decideCall(command, state);
  if (command.kind === 'identify-visitor') return decideIdentify(command, state);
  const where = state.where;
  if (!where) return reject(CONVERSATION_NOT_FOUND);
  switch (command.kind) {
    case 'send-reply':
      if (where.channel === 'phone') return reject('a phone conversation takes no written reply');
      if (state.messages.has(command.messageId)) return [];
      return [
        {
          type: 'channels.message-sent.v1',
          data: {
            ...where,
            messageId: command.messageId,
            author: command.author,
            text: command.text,
            attachments: command.attachments,
            passive: false,
            sentAt: command.sentAt,
          },
        },
      ];
    case 'record-delivery': {
      const message = state.messages.get(command.messageId);
      if (!message || message.direction !== 'out')
        return reject(`message ${command.messageId} was not sent here`);
      if (message.delivered) return [];
      return command.outcome.delivered
        ? [
            {
              type: 'channels.message-delivered.v1',
              data: {
                ...where,
                messageId: command.messageId,
                attempt: command.attempt,
                ...(command.outcome.providerMessageId
                  ? { providerMessageId: command.outcome.providerMessageId }
                  : {}),
              },
            },
          ]
        : [
            {
              type: 'channels.message-delivery-failed.v1',
              data: {
                ...where,
                messageId: command.messageId,
                reason: command.outcome.reason,
                attempt: command.attempt,
              },
            },
          ];
    }
    case 'mark-read':
      if (!state.messages.has(command.upToMessageId))
        return reject(`message ${command.upToMessageId} is not in this conversation`);
      return [
        {
          type: 'channels.messages-read.v1',
          data: { ...where, reader: command.reader, upToMessageId: command.upToMessageId },
        },
      ];
  }
}

export const conversationDecider: Decider<ConversationCommand, ConversationState, ConversationEvent> = {
  initialState: () => ({
    where: undefined,
    identities: [],
    providerMessageIds: new Set(),
    receivedContent: new Map(),
    messages: new Map(),
    order: [],
    lastAutoReplies: {},
    routing: {},
    calls: new Map(),
    erased: false,
  }),
  evolve,
  fold,
  decide,
};
