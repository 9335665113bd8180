import { createHmac, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { z } from 'zod';
import { CHANNELS_CONFIG } from '../channel-config/channels-config';
import type { ChannelsConfig } from '../channel-config/channels-config';
import { conversationMessages } from '../conversation/domain/conversation-messages';
import type { ConversationMessage } from '../conversation/domain/conversation-messages';
import { ConversationRejected, Conversations } from '../conversation/conversations';
import { agentText, surveyLinkOf } from '../delivery/csat-survey';
import { ChatHub } from './chat-hub';
import { issueVisitorToken, verifyVisitorToken } from './visitor-token';

export const visitorMessageSchema = z
  .object({
    /** The client's id for the message: sending it again (after a reconnect) is harmless. */
    clientMessageId: z.string().min(1).max(100),
    text: z.string().min(1).max(10_000).optional(),
    attachments: z
      .array(
        z.object({
          reference: z.url().max(2048),
          contentType: z.string().min(1).max(255),
          name: z.string().max(255).optional(),
          sizeBytes: z.number().int().nonnegative().optional(),
        }),
      )
      .max(10)
      .default([]),
  })
  .refine((m) => m.text !== undefined || m.attachments.length > 0, {
    message: 'needs text or an attachment',
  });

export const identifySchema = z
  .object({
    email: z.email().max(320),
    name: z.string().min(1).max(200).optional(),
    /** Hex HMAC-SHA256 of the lower-cased email with the channel's identity secret, from the signed-in site. */
    identityHash: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be the hex HMAC-SHA256 of the email')
      .optional(),
  })
  .strict();

/** The identityHash does not match the email: the site did not sign this email. */
export class IdentityNotVerified extends Error {}

export interface VisitorSession {
  channelId: string;
  visitorId: string;
  token: string;
  conversationId: string;
  messages: ConversationMessage[];
}

/** The web chat's use cases, shared by the WebSocket gateway and the REST endpoints. */
@Injectable()
export class WebChat {
  constructor(
    @Inject(CHANNELS_CONFIG) private readonly config: ChannelsConfig,
    private readonly conversations: Conversations,
    private readonly hub: ChatHub,
  ) {}

  private channel(channelId: string) {
    const chat = this.config.chat.find((c) => c.id === channelId);
    if (!chat) throw new NotFoundException(`no web chat channel ${channelId}`);
    return chat;
  }

  private secretOf(channelId: string): string {
    return this.channel(channelId).visitorTokenSecret;
  }

  /** Whether the site signed this email (identity verification); throws when a hash is given but wrong. */
  private attested(channelId: string, email: string, identityHash: string | undefined): boolean {
    if (identityHash === undefined) return false;
    const secret = this.channel(channelId).identitySecret;
    if (!secret)
      throw new IdentityNotVerified('this chat channel does not verify identities: send no identityHash');
    const expected = createHmac('sha256', secret).update(email).digest();
    const given = Buffer.from(identityHash, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new IdentityNotVerified('identityHash does not match the email');
    return true;
  }

  /** The visitor of a token, or undefined when the token is not this channel's. */
  visitorOf(channelId: string, token: unknown): string | undefined {
    return verifyVisitorToken(this.secretOf(channelId), token);
  }

  /** The visitor's conversation: a new one after their personal data was erased. */
  conversationOf(channelId: string, visitorId: string): Promise<string> {
    return this.conversations.currentIdFor('web-chat', channelId, visitorId);
  }

  /** A new anonymous visitor, or the returning one of a valid token: the same conversation either way. */
  async session(channelId: string, token?: string): Promise<VisitorSession> {
    const secret = this.secretOf(channelId);
    const known = token ? verifyVisitorToken(secret, token) : undefined;
    const issued = issueVisitorToken(secret, known);
    const conversationId = await this.conversationOf(channelId, issued.visitorId);
    return { channelId, ...issued, conversationId, messages: await this.resume(conversationId) };
  }

  /** The conversation's messages; replies sent while the visitor was away count as delivered now. */
  async resume(conversationId: string): Promise<(ConversationMessage & { survey?: { url: string } })[]> {
    const { events } = await this.conversations.load(conversationId);
    const messages = conversationMessages(events);
    for (const m of messages.filter((x) => x.from !== 'customer' && x.delivery !== 'delivered'))
      await this.recordDelivery(conversationId, m.messageId);
    return messages.map((m) => {
      const survey = surveyLinkOf(m);
      return survey ? { ...m, survey: { url: survey } } : m;
    });
  }

  async send(
    channelId: string,
    visitorId: string,
    input: z.infer<typeof visitorMessageSchema>,
    correlationId: string,
  ) {
    const received = await this.conversations.receive(
      {
        channel: 'web-chat',
        channelId,
        threadKey: visitorId,
        providerMessageId: input.clientMessageId,
        identities: [{ kind: 'visitor-id', value: visitorId, verified: true }],
        ...(input.text ? { text: input.text } : {}),
        attachments: input.attachments,
        receivedAt: new Date().toISOString(),
      },
      { correlationId },
    );
    const at = new Date().toISOString();
    if (!received.duplicate) {
      this.hub.toAgents(received.conversationId, {
        type: 'message',
        conversationId: received.conversationId,
        messageId: received.messageId,
        from: 'customer',
        ...(input.text ? { text: input.text } : {}),
        attachments: input.attachments,
        at,
      });
    }
    if (received.autoReply)
      await this.push(
        received.conversationId,
        received.autoReply.messageId,
        { kind: 'automation', id: received.autoReply.authorId },
        received.autoReply.text,
      );
    return received;
  }

  async identify(
    channelId: string,
    visitorId: string,
    input: z.infer<typeof identifySchema>,
    correlationId: string,
  ) {
    const email = input.email.toLowerCase();
    // A visitor typing an address proves nothing (contacts treats it as a claim), unless the site signed it.
    const verified = this.attested(channelId, email, input.identityHash);
    const conversationId = await this.conversationOf(channelId, visitorId);
    const outcome = await this.conversations.execute(
      conversationId,
      {
        kind: 'identify-visitor',
        where: { conversationId, channel: 'web-chat', channelId },
        visitorId,
        identities: [{ kind: 'email', value: email, verified }],
        ...(input.name ? { name: input.name } : {}),
      },
      { correlationId },
    );
    if (!outcome.ok) throw new ConversationRejected(outcome.reason);
    return { conversationId, identified: outcome.events.length > 0 };
  }

  async markRead(
    conversationId: string,
    reader: 'customer' | 'agent',
    upToMessageId: string,
    correlationId: string,
  ) {
    const outcome = await this.conversations.execute(
      conversationId,
      { kind: 'mark-read', reader, upToMessageId },
      { correlationId },
    );
    if (!outcome.ok) throw new ConversationRejected(outcome.reason);
    const push = { type: 'read' as const, conversationId, reader, upToMessageId };
    if (reader === 'customer') this.hub.toAgents(conversationId, push);
    else this.hub.toVisitor(conversationId, push);
  }

  /** Pushes a reply to the visitor's sockets on this replica; delivered when one took it. */
  async push(
    conversationId: string,
    messageId: string,
    author: { kind: 'agent' | 'automation'; id: string },
    text: string,
  ): Promise<boolean> {
    const message = { from: author.kind, authorId: author.id, text };
    const survey = surveyLinkOf(message);
    const push = {
      type: 'message' as const,
      conversationId,
      messageId,
      ...message,
      ...(survey ? { survey: { url: survey } } : {}),
      at: new Date().toISOString(),
    };
    const pushed = this.hub.toVisitor(conversationId, push);
    // Agents watching the conversation see that a survey went out, not its link (the customer's to use).
    const { survey: _link, ...forAgents } = push;
    this.hub.toAgents(conversationId, { ...forAgents, text: agentText(message) ?? text });
    if (pushed) await this.recordDelivery(conversationId, messageId);
    return pushed;
  }

  private async recordDelivery(conversationId: string, messageId: string): Promise<void> {
    await this.conversations.execute(
      conversationId,
      { kind: 'record-delivery', messageId, attempt: 1, outcome: { delivered: true } },
      { correlationId: messageId, commandKey: `delivered:${messageId}` },
    );
  }
}
