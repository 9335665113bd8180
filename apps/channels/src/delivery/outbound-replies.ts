import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@journey/contracts';
import { PermanentFailure } from '@journey/platform';
import { WebChat } from '../chat/web-chat';
import { Conversations } from '../conversation/conversations';

export interface OutboundReply {
  conversationId: string;
  /** The message's id: the reply's own (a ticket reply, a survey, an automatic answer), so a redelivery sends nothing twice. */
  messageId: string;
  author: { kind: 'agent' | 'automation'; id: string };
  text: string;
  attachments: { reference: string; contentType: string; name?: string; sizeBytes?: number }[];
}

/**
 * Says something to a customer on their conversation because another service decided it: recorded as
 * the conversation's message-sent (then delivered by the delivery worker), or pushed to the web chat.
 */
@Injectable()
export class OutboundReplies {
  constructor(
    private readonly conversations: Conversations,
    private readonly chat: WebChat,
  ) {}

  /**
   * Sends it; a conversation that cannot take it is a PermanentFailure (its stream parks), unless
   * `unless` names that refusal: then it is returned and nothing is sent.
   */
  async send(
    envelope: EventEnvelope,
    reply: OutboundReply,
    unless: readonly string[] = [],
  ): Promise<string | undefined> {
    const { conversationId, messageId, author, text, attachments } = reply;
    const outcome = await this.conversations.execute(
      conversationId,
      { kind: 'send-reply', messageId, author, text, attachments, sentAt: new Date().toISOString() },
      {
        correlationId: envelope.correlationId,
        causationId: envelope.id,
        commandKey: `ticket-reply:${messageId}`,
      },
    );
    if (!outcome.ok && unless.includes(outcome.reason)) return outcome.reason;
    // A conversation that cannot take it (erased, a phone call) will not take it on a retry either.
    if (!outcome.ok) throw new PermanentFailure(outcome.reason);
    const sent = outcome.events.find((e) => e.type === 'channels.message-sent.v1');
    if (sent?.data.channel === 'web-chat') await this.chat.push(conversationId, messageId, author, text);
    return undefined;
  }
}
