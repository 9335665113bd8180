import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { journeyCatalogue } from '@journey/contracts';
import type { ChannelKind } from '@journey/contracts';
import { DuplicateEventError, foldAll, handleCommand } from '@journey/eventstore';
import type { AggregateCaches, CommandOutcome, EventStore } from '@journey/eventstore';
import { AGGREGATE_CACHES, EVENT_STORE, KEYED_IDS } from '@journey/messaging';
import type { KeyedIds } from '@journey/platform';
import { RuleBook } from '../rules/adapters/rule-book';
import {
  conversationIdFor,
  conversationStream,
  derivedEventId,
  inboundMessageId,
} from './domain/conversation-ids';
import { CONVERSATION_ERASED, conversationDecider } from './domain/conversation.decider';

/** How many times one thread may start again after erasures. */
const GENERATIONS_MAX = 50;
import type {
  ConversationCommand,
  ConversationEvent,
  ConversationState,
  InboundMessage,
} from './domain/conversation.decider';

export interface Inbound extends Omit<InboundMessage, 'conversationId' | 'messageId'> {
  /** What makes this the same conversation as before (visitor id, openid, email thread root…). */
  threadKey: string;
}

export interface Received {
  conversationId: string;
  messageId: string;
  duplicate: boolean;
  autoReply?: { messageId: string; authorId: string; text: string };
}

export class ConversationRejected extends Error {
  override name = 'ConversationRejected';
}

/** The conversation use cases' one way to the event store: decide, validate, append. */
@Injectable()
export class Conversations {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AGGREGATE_CACHES) private readonly caches: AggregateCaches,
    @Inject(KEYED_IDS) private readonly ids: KeyedIds,
    private readonly ruleBook: RuleBook,
  ) {}

  /** The conversation of a thread (see conversationIdFor): its first one, or a later one after an erasure. */
  idFor(channel: ChannelKind, channelId: string, threadKey: string, generation = 1): string {
    return conversationIdFor(
      this.ids,
      channel,
      channelId,
      generation > 1 ? `${threadKey}#${generation}` : threadKey,
    );
  }

  /** The thread's conversation now: the first one its customer's erasure did not close. */
  async currentIdFor(channel: ChannelKind, channelId: string, threadKey: string): Promise<string> {
    for (let generation = 1; generation < GENERATIONS_MAX; generation++) {
      const conversationId = this.idFor(channel, channelId, threadKey, generation);
      if (!(await this.load(conversationId)).state.erased) return conversationId;
    }
    return this.idFor(channel, channelId, threadKey, GENERATIONS_MAX);
  }

  /** Records a customer's message (idempotent by provider message id) with what the rules say. */
  async receive(
    inbound: Inbound,
    options: {
      correlationId: string;
      passiveAutoReply?: boolean;
      /** Conversations the thread is already known in (email threading), tried before the thread key. */
      knownConversations?: readonly string[];
      /** Tell the sender about attachments that were not taken (false for an unverified email sender). */
      tellSender?: boolean;
    },
  ): Promise<Received> {
    const { threadKey, ...message } = inbound;
    for (const conversationId of options.knownConversations ?? []) {
      const received = await this.receiveIn(conversationId, message, options);
      if (received) return received;
    }
    // A thread whose conversation was erased goes on in a new one: nothing new joins erased words.
    for (let generation = 1; generation <= GENERATIONS_MAX; generation++) {
      const conversationId = this.idFor(message.channel, message.channelId, threadKey, generation);
      const received = await this.receiveIn(conversationId, message, options);
      if (received) return received;
    }
    throw new ConversationRejected(CONVERSATION_ERASED);
  }

  private async receiveIn(
    conversationId: string,
    message: Omit<Inbound, 'threadKey'>,
    options: { correlationId: string; passiveAutoReply?: boolean; tellSender?: boolean },
  ): Promise<Received | undefined> {
    const messageId = inboundMessageId(conversationId, message.providerMessageId);
    const command: ConversationCommand = {
      kind: 'receive-message',
      message: { ...message, conversationId, messageId },
      rules: await this.ruleBook.current(),
      autoReplyMessageId: inboundMessageId(conversationId, `auto-reply:${message.providerMessageId}`),
      ...(message.refusedAttachments?.length && options.tellSender !== false
        ? {
            refusalNoticeMessageId: inboundMessageId(
              conversationId,
              `attachment-refused:${message.providerMessageId}`,
            ),
          }
        : {}),
      ...(options.passiveAutoReply ? { passiveAutoReply: true } : {}),
    };
    const outcome = await this.execute(conversationId, command, {
      correlationId: options.correlationId,
      commandKey: `receive:${messageId}`,
    });
    if (!outcome.ok && outcome.reason === CONVERSATION_ERASED) {
      // A provider sending again a message the erased conversation took: a duplicate, not a new one.
      const { state } = await this.load(conversationId);
      return state.providerMessageIds.has(message.providerMessageId)
        ? { conversationId, messageId, duplicate: true }
        : undefined;
    }
    if (!outcome.ok) throw new ConversationRejected(outcome.reason);
    const auto = outcome.events.find(
      (e): e is Extract<ConversationEvent, { type: 'channels.message-sent.v1' }> =>
        e.type === 'channels.message-sent.v1',
    );
    return {
      conversationId,
      messageId,
      duplicate: outcome.events.length === 0,
      ...(auto
        ? {
            autoReply: {
              messageId: auto.data.messageId,
              authorId: auto.data.author.id,
              text: auto.data.text,
            },
          }
        : {}),
    };
  }

  /**
   * Runs one command on a conversation. With a commandKey the event ids derive from it, so the same
   * command retried (a redelivered webhook racing the first) appends nothing the second time.
   */
  async execute(
    conversationId: string,
    command: ConversationCommand,
    options: { correlationId: string; causationId?: string; commandKey?: string },
  ): Promise<CommandOutcome<ConversationEvent, ConversationState | undefined>> {
    try {
      return await handleCommand(
        this.store,
        conversationStream(conversationId),
        conversationDecider,
        command,
        {
          metadata: {
            source: 'channels',
            correlationId: options.correlationId,
            ...(options.causationId ? { causationId: options.causationId } : {}),
            schemaVersion: 1,
          },
          cache: this.caches.for<ConversationState>('conversation'),
          validate: (e) => journeyCatalogue.check(e.type, e.data),
          ...(options.commandKey
            ? { eventId: (_: unknown, i: number) => derivedEventId(options.commandKey as string, i) }
            : {}),
        },
      );
    } catch (err) {
      if (err instanceof DuplicateEventError)
        return { ok: true, events: [], nextExpectedRevision: undefined, state: undefined };
      throw err;
    }
  }

  /** The conversation's state and its events in order (for reads and deliveries). */
  async load(conversationId: string): Promise<{ state: ConversationState; events: ConversationEvent[] }> {
    const recorded = await this.store.readStream(conversationStream(conversationId));
    const events = recorded.map((r) => ({ type: r.type, data: r.data }) as ConversationEvent);
    const state = foldAll(conversationDecider, conversationDecider.initialState(), events);
    return { state, events };
  }

  newMessageId(): string {
    return randomUUID();
  }
}
