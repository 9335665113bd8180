import type { ConversationEvent } from './conversation.decider';

export interface ConversationMessage {
  messageId: string;
  from: 'customer' | 'agent' | 'automation';
  authorId?: string;
  text?: string;
  attachments: unknown[];
  refusedAttachments?: unknown[];
  at: string;
  delivery: 'received' | 'pending' | 'delivered' | 'failed';
  lastFailure?: string;
  readByCustomer: boolean;
  /** A customer's message: whether an agent has read it (the web chat's read receipt). */
  readByAgent?: boolean;
}

/** The messages of a conversation in order, with delivery and read state, folded from its events. */
export function conversationMessages(events: ConversationEvent[]): ConversationMessage[] {
  const messages: ConversationMessage[] = [];
  const byId = new Map<string, ConversationMessage>();
  for (const e of events) {
    if (e.type === 'channels.message-received.v1') {
      const m: ConversationMessage = {
        messageId: e.data.messageId,
        from: 'customer',
        ...(e.data.text !== undefined ? { text: e.data.text } : {}),
        attachments: e.data.attachments,
        ...(e.data.refusedAttachments?.length ? { refusedAttachments: e.data.refusedAttachments } : {}),
        at: e.data.receivedAt,
        delivery: 'received',
        readByCustomer: true,
        readByAgent: false,
      };
      messages.push(m);
      byId.set(m.messageId, m);
    } else if (e.type === 'channels.message-sent.v1') {
      const m: ConversationMessage = {
        messageId: e.data.messageId,
        from: e.data.author.kind,
        authorId: e.data.author.id,
        text: e.data.text,
        attachments: e.data.attachments,
        at: e.data.sentAt,
        delivery: e.data.passive ? 'delivered' : 'pending',
        readByCustomer: false,
      };
      messages.push(m);
      byId.set(m.messageId, m);
    } else if (e.type === 'channels.message-delivered.v1') {
      const m = byId.get(e.data.messageId);
      if (m) {
        m.delivery = 'delivered';
        delete m.lastFailure;
      }
    } else if (e.type === 'channels.message-delivery-failed.v1') {
      const m = byId.get(e.data.messageId);
      if (m && m.delivery !== 'delivered') {
        m.delivery = 'failed';
        m.lastFailure = e.data.reason;
      }
    } else if (e.type === 'channels.messages-read.v1') {
      const upTo = messages.findIndex((m) => m.messageId === e.data.upToMessageId);
      for (const m of messages.slice(0, upTo + 1))
        if (e.data.reader === 'customer') m.readByCustomer = true;
        else if (m.from === 'customer') m.readByAgent = true;
    }
  }
  return messages;
}

export interface ConversationCall {
  callId: string;
  direction?: 'inbound' | 'outbound';
  startedAt?: string;
  answeredAt?: string;
  agentId?: string;
  endedAt?: string;
  answered?: boolean;
  durationSeconds?: number;
  recordingUrl?: string;
  transcript?: string;
}

/** The calls of a (phone) conversation in order, each with its phases, recording and transcript. */
export function conversationCalls(events: ConversationEvent[]): ConversationCall[] {
  const calls = new Map<string, ConversationCall>();
  const call = (callId: string) => {
    let c = calls.get(callId);
    if (!c) calls.set(callId, (c = { callId }));
    return c;
  };
  for (const e of events) {
    if (e.type === 'channels.call-started.v1')
      Object.assign(call(e.data.callId), { direction: e.data.direction, startedAt: e.data.startedAt });
    else if (e.type === 'channels.call-answered.v1')
      Object.assign(call(e.data.callId), {
        answeredAt: e.data.answeredAt,
        ...(e.data.agentId ? { agentId: e.data.agentId } : {}),
      });
    else if (e.type === 'channels.call-ended.v1')
      Object.assign(call(e.data.callId), {
        endedAt: e.data.endedAt,
        answered: e.data.answered,
        durationSeconds: e.data.durationSeconds,
      });
    else if (e.type === 'channels.call-recorded.v1')
      Object.assign(call(e.data.callId), {
        ...(e.data.recordingUrl ? { recordingUrl: e.data.recordingUrl } : {}),
        ...(e.data.transcript ? { transcript: e.data.transcript } : {}),
      });
  }
  return [...calls.values()];
}
