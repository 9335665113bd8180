import { Inject, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import type { RefusedAttachment } from '@journey/contracts';
import { CHANNELS_CONFIG } from '../../channel-config/channels-config';
import type { ChannelsConfig } from '../../channel-config/channels-config';
import { Conversations } from '../../conversation/conversations';
import { unprocessable } from '../signed/signed-webhooks.controller';
import { boundInboundEmail } from './email-bounds';
import { EmailThreads } from './email-threads';
import { threadRoot } from './inbound-email';
import type { InboundEmail } from './inbound-email';

/** The default largest attachment taken (a larger one is refused, the message kept): 10 MiB. */
export const ATTACHMENT_MAX_BYTES_DEFAULT = 10 * 1024 * 1024;

export interface EmailReceipt {
  conversationId: string;
  messageId: string;
  duplicate: boolean;
  /** Attachments that were not taken (their names and sizes); the sender is told by email. */
  refusedAttachments?: { name?: string; sizeBytes: number }[];
}

/** The email channel's configuration, or 404 where none is configured. */
export function emailChannel(config: ChannelsConfig): NonNullable<ChannelsConfig['email']> {
  if (!config.email) throw new NotFoundException('no email channel is configured');
  return config.email;
}

/**
 * One way in for every inbound email, whichever provider (or raw MIME) brought it: cut to what its
 * event holds, attachments over the size limit refused (the text is kept, the sender told), the inbox
 * found among the recipients, the thread found by any message it names, recorded once.
 */
@Injectable()
export class EmailIntake {
  constructor(
    @Inject(CHANNELS_CONFIG) private readonly config: ChannelsConfig,
    private readonly conversations: Conversations,
    private readonly threads: EmailThreads,
  ) {}

  /** True when the address is one the conversation's customer wrote from (or, if asked, it has none yet). */
  private async writesIn(conversationId: string, address: string, orNew = false): Promise<boolean> {
    const { state } = await this.conversations.load(conversationId);
    if (!state.where) return orNew;
    return state.identities.some((i) => i.kind === 'email' && i.value.toLowerCase() === address);
  }

  async receive(email: InboundEmail, correlationId: string): Promise<EmailReceipt> {
    const channel = emailChannel(this.config);
    const parsed = boundInboundEmail(email);
    const inbox = channel.inboxes.find((i) => parsed.to.includes(i.address.toLowerCase()));
    if (!inbox) throw new UnprocessableEntityException('none of the recipients is a configured inbox');
    const limit = channel.attachmentMaxBytes;
    const taken = parsed.attachments.filter((a) => a.sizeBytes <= limit);
    const refused: RefusedAttachment[] = parsed.attachments
      .filter((a) => a.sizeBytes > limit)
      .map((a) => ({
        ...(a.name ? { name: a.name } : {}),
        contentType: a.contentType,
        sizeBytes: a.sizeBytes,
        reason: 'too-large' as const,
        limitBytes: limit,
      }));
    // A redelivery finds its message where it went the first time; a reply, the thread of any message it
    // names. Naming a message is not proof of being in the thread (a quoted or forwarded Message-ID is
    // known to others): only a conversation its sender already writes in is joined.
    const sender = parsed.from.address;
    const named = await this.threads.candidates(inbox.id, [
      parsed.messageId,
      ...(parsed.inReplyTo ? [parsed.inReplyTo] : []),
      ...[...parsed.references].reverse(),
    ]);
    const known = [];
    for (const conversationId of named)
      if (await this.writesIn(conversationId, sender)) known.push(conversationId);
    const root = threadRoot(parsed);
    const rootConversation = await this.conversations.currentIdFor('email', inbox.id, root);
    const threadKey =
      root === parsed.messageId || (await this.writesIn(rootConversation, sender, true))
        ? root
        : parsed.messageId;
    const received = await this.conversations
      .receive(
        {
          channel: 'email',
          channelId: inbox.id,
          threadKey,
          providerMessageId: parsed.messageId,
          identities: [{ kind: 'email', value: parsed.from.address, verified: parsed.dkimPass }],
          ...(parsed.text ? { text: parsed.text } : {}),
          ...(parsed.textTruncated ? { textTruncated: true } : {}),
          attachments: taken,
          ...(refused.length ? { refusedAttachments: refused } : {}),
          emailThread: {
            messageId: parsed.messageId,
            references: parsed.references,
            ...(parsed.subject ? { subject: parsed.subject } : {}),
          },
          ...(parsed.subject ? { subject: parsed.subject } : {}),
          recipient: inbox.address,
          receivedAt: new Date().toISOString(),
        },
        // Only a sender whose domain signed the mail is told about refused attachments (no backscatter).
        { correlationId, knownConversations: known, tellSender: parsed.dkimPass },
      )
      .catch(unprocessable);
    await this.threads.index(inbox.id, parsed.messageId, received.conversationId, correlationId);
    return {
      conversationId: received.conversationId,
      messageId: received.messageId,
      duplicate: received.duplicate,
      ...(refused.length
        ? {
            refusedAttachments: refused.map((a) => ({
              ...(a.name ? { name: a.name } : {}),
              sizeBytes: a.sizeBytes,
            })),
          }
        : {}),
    };
  }
}
