import { Inject, Injectable } from '@nestjs/common';
import { EMAIL_REFERENCES_MAX, journeyCatalogue } from '@journey/contracts';
import { handleCommand } from '@journey/eventstore';
import type { Decider, EventStore } from '@journey/eventstore';
import { EVENT_STORE, KEYED_IDS } from '@journey/messaging';
import type { KeyedIds } from '@journey/platform';

type IndexEvent = {
  type: 'channels.email-message-indexed.v1';
  data: { conversationId: string; channelId: string };
};
type IndexCommand = { conversationId: string; channelId: string };

/** The first conversation indexed for a Message-ID keeps it: a forged reuse cannot move a thread. */
export const emailIndexDecider: Decider<IndexCommand, string | undefined, IndexEvent> = {
  initialState: () => undefined,
  evolve: (state, event) => state ?? event.data.conversationId,
  decide: (command, state) =>
    state ? [] : [{ type: 'channels.email-message-indexed.v1', data: { ...command } }],
};

/**
 * Which conversation an email thread's messages belong to, decided in the event store: one stream per
 * Message-ID on an inbox, received or sent. Mail clients name the message they answer in In-Reply-To
 * and (most of) the thread in References, but not always the thread's first message: any one of them
 * being known is enough.
 */
@Injectable()
export class EmailThreads {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(KEYED_IDS) private readonly ids: KeyedIds,
  ) {}

  private streamOf(channelId: string, messageId: string): string {
    return `email-message-${this.ids.digest('email-message', channelId, messageId)}`;
  }

  /** The conversation a Message-ID was indexed for, if any. */
  async conversationOf(channelId: string, messageId: string): Promise<string | undefined> {
    const events = await this.store.readStream(this.streamOf(channelId, messageId));
    return events.reduce<string | undefined>(
      (s, e) => emailIndexDecider.evolve(s, { type: e.type, data: e.data } as IndexEvent),
      undefined,
    );
  }

  /**
   * The conversations that Message-IDs were indexed for, in the order given (the email's own id, what
   * it replied to, its References from the latest back to the root), each once.
   */
  async candidates(channelId: string, messageIds: readonly string[]): Promise<string[]> {
    const named = [...new Set(messageIds)].slice(0, EMAIL_REFERENCES_MAX + 2);
    const found = await Promise.all(named.map((id) => this.conversationOf(channelId, id)));
    return [...new Set(found.filter((c): c is string => c !== undefined))];
  }

  /** Records that a message (the customer's or ours) belongs to the conversation; idempotent. */
  async index(
    channelId: string,
    messageId: string,
    conversationId: string,
    correlationId: string,
  ): Promise<void> {
    await handleCommand(
      this.store,
      this.streamOf(channelId, messageId),
      emailIndexDecider,
      { conversationId, channelId },
      {
        metadata: { source: 'channels', correlationId, schemaVersion: 1 },
        maxRetries: 5,
        validate: (e) => journeyCatalogue.check(e.type, e.data),
      },
    );
  }
}
