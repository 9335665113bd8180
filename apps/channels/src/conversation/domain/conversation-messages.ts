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
    } else if (e.type === 'channels.messages-read.v1' && e.data.reader === 'customer') {
      const upTo = messages.findIndex((m) => m.messageId === e.data.upToMessageId);
      for (const m of messages.slice(0, upTo + 1)) m.readByCustomer = true;
    }
  }
  return messages;
}
