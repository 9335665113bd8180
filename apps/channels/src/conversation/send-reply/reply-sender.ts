import { Injectable } from '@nestjs/common';
import { v5 as uuidv5 } from 'uuid';
import { WebChat } from '../../chat/web-chat';
import { ConversationRejected, Conversations } from '../conversations';
import type { Attachment } from '../domain/conversation.decider';

const REPLY_NAMESPACE = '0d8a4a53-2f5e-4f35-9c0c-6b3a1f7e2d94';

export interface ReplyInput {
  text: string;
  attachments: Attachment[];
  /** The client's id for this reply: sending it again returns the first reply instead of a second. */
  clientMessageId?: string;
}

export interface SentReply {
  messageId: string;
  duplicate: boolean;
  delivery: 'delivered' | 'pending';
}

/**
 * An agent's reply: recorded as message-sent, then delivered on the customer's channel. Web chat is
 * pushed at once to the visitor's sockets; email, WeChat and partner callbacks go out from the
 * delivery consumer, which retries and dead-letters.
 */
@Injectable()
export class ReplySender {
  constructor(
    private readonly conversations: Conversations,
    private readonly chat: WebChat,
  ) {}

  async send(
    conversationId: string,
    input: ReplyInput,
    agentId: string,
    correlationId: string,
  ): Promise<SentReply> {
    const messageId = input.clientMessageId
      ? uuidv5(`${conversationId}\u0000${agentId}\u0000${input.clientMessageId}`, REPLY_NAMESPACE)
      : this.conversations.newMessageId();
    const outcome = await this.conversations.execute(
      conversationId,
      {
        kind: 'send-reply',
        messageId,
        author: { kind: 'agent', id: agentId },
        text: input.text,
        attachments: input.attachments,
        sentAt: new Date().toISOString(),
      },
      { correlationId, commandKey: `reply:${messageId}` },
    );
    if (!outcome.ok) throw new ConversationRejected(outcome.reason);
    const sent = outcome.events.find((e) => e.type === 'channels.message-sent.v1');
    if (!sent) return { messageId, duplicate: true, delivery: 'pending' };
    if (sent.data.channel === 'web-chat') {
      const pushed = await this.chat.push(
        conversationId,
        messageId,
        { kind: 'agent', id: agentId },
        input.text,
      );
      return { messageId, duplicate: false, delivery: pushed ? 'delivered' : 'pending' };
    }
    return { messageId, duplicate: false, delivery: 'pending' };
  }
}
