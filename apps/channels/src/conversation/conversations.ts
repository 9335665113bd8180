import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { journeyCatalogue } from '@journey/contracts';
import type { ChannelKind } from '@journey/contracts';
import { DuplicateEventError, handleCommand } from '@journey/eventstore';
import type { CommandOutcome, EventStore } from '@journey/eventstore';
import { EVENT_STORE, KEYED_IDS } from '@journey/messaging';
import type { KeyedIds } from '@journey/platform';
import { RuleBook } from '../rules/adapters/rule-book';
import {
  conversationIdFor,
  conversationStream,
  derivedEventId,
  inboundMessageId,
} from './domain/conversation-ids';
import { conversationDecider } from './domain/conversation.decider';
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
  autoReply?: { messageId: string; text: string };
}

export class ConversationRejected extends Error {
  override name = 'ConversationRejected';
}

/** The conversation use cases' one way to the event store: decide, validate, append. */
@Injectable()
export class Conversations {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(KEYED_IDS) private readonly ids: KeyedIds,
    private readonly ruleBook: RuleBook,
  ) {}

  /** The conversation of a thread (see conversationIdFor). */
  idFor(channel: ChannelKind, channelId: string, threadKey: string): string {
    return conversationIdFor(this.ids, channel, channelId, threadKey);
  }

  /** Records a customer's message (idempotent by provider message id) with what the rules say. */
  async receive(
    inbound: Inbound,
    options: { correlationId: string; passiveAutoReply?: boolean },
  ): Promise<Received> {
    const { threadKey, ...message } = inbound;
    const conversationId = this.idFor(message.channel, message.channelId, threadKey);
    const messageId = inboundMessageId(conversationId, message.providerMessageId);
    const command: ConversationCommand = {
      kind: 'receive-message',
      message: { ...message, conversationId, messageId },
      rules: await this.ruleBook.current(),
      autoReplyMessageId: inboundMessageId(conversationId, `auto-reply:${message.providerMessageId}`),
      ...(options.passiveAutoReply ? { passiveAutoReply: true } : {}),
    };
    const outcome = await this.execute(conversationId, command, {
      correlationId: options.correlationId,
      commandKey: `receive:${messageId}`,
    });
    if (!outcome.ok) throw new ConversationRejected(outcome.reason);
    const auto = outcome.events.find(
      (e): e is Extract<ConversationEvent, { type: 'channels.message-sent.v1' }> =>
        e.type === 'channels.message-sent.v1',
    );
    return {
      conversationId,
      messageId,
      duplicate: outcome.events.length === 0,
      ...(auto ? { autoReply: { messageId: auto.data.messageId, text: auto.data.text } } : {}),
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
    const state = events.reduce(conversationDecider.evolve, conversationDecider.initialState());
    return { state, events };
  }

  newMessageId(): string {
    return randomUUID();
  }
}
