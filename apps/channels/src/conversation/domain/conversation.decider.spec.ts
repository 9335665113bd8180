import { ruleSetSchema } from '../../rules/domain/channel-rules';
import { conversationDecider } from './conversation.decider';
import type {
  ConversationCommand,
  ConversationEvent,
  ConversationState,
  InboundMessage,
} from './conversation.decider';

const C = '0b5c7c1e-3d0f-4b7e-9a53-8f1f5c2a7d11';
const where = { conversationId: C, channel: 'wechat' as const, channelId: 'oa' };
const noRules = ruleSetSchema.parse({ rules: [] });
const rules = ruleSetSchema.parse({
  rules: [
    { id: 'greet', name: 'Greet', when: { firstMessageOnly: true }, then: { autoReply: '欢迎!' } },
    { id: 'vip', name: 'VIP', when: { keywords: ['vip'] }, then: { route: { priority: 'urgent' } } },
  ],
});
const inbound = (n: number, text = `m${n}`): InboundMessage => ({
  ...where,
  messageId: `00000000-0000-4000-8000-00000000000${n}`,
  providerMessageId: `wx-${n}`,
  identities: [{ kind: 'wechat-openid', value: 'o1', verified: true }],
  text,
  attachments: [],
  receivedAt: '2026-11-23T10:00:00.000Z',
});

/** given events, when a command, then events (or a rejection). */
function given(events: ConversationEvent[]) {
  const state = events.reduce(conversationDecider.evolve, conversationDecider.initialState());
  return {
    when: (command: ConversationCommand) => conversationDecider.decide(command, state as ConversationState),
  };
}
const receive = (n: number, set = noRules, text?: string): ConversationCommand => ({
  kind: 'receive-message',
  message: inbound(n, text),
  rules: set,
  autoReplyMessageId: `00000000-0000-4000-9000-00000000000${n}`,
});
const eventsOf = (command: ConversationCommand, history: ConversationEvent[] = []) => {
  const decided = given(history).when(command);
  if (!Array.isArray(decided)) throw new Error(decided.reason);
  return decided;
};

describe('the conversation decider', () => {
  it('starts a conversation with the first message and records later ones alone', () => {
    const first = eventsOf(receive(1));
    expect(first.map((e) => e.type)).toEqual([
      'channels.conversation-started.v1',
      'channels.message-received.v1',
    ]);
    expect(eventsOf(receive(2), first).map((e) => e.type)).toEqual(['channels.message-received.v1']);
  });

  it('refuses an API idempotency key sent again with other content; takes a redelivery of the same as done', () => {
    const strict = (text: string): ConversationCommand => {
      const command = receive(1, noRules, text);
      if (command.kind !== 'receive-message') throw new Error('unreachable');
      return { ...command, message: { ...command.message, strictIdempotency: true } };
    };
    const history = eventsOf({
      ...strict('first words'),
      message: {
        ...(strict('first words') as Extract<ConversationCommand, { kind: 'receive-message' }>).message,
        attachments: [{ reference: 'https://cdn.example.com/a.png', contentType: 'image/png', sizeBytes: 3 }],
      },
    } as ConversationCommand);
    // The stored event reads back with its keys in another order (as PostgreSQL's jsonb gives them).
    const reversed = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reversed)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reversed(x)]),
            )
          : v;
    const fromStore = history.map((e) => reversed(e) as ConversationEvent);
    const again = strict('first words') as Extract<ConversationCommand, { kind: 'receive-message' }>;
    const sameAgain: ConversationCommand = {
      ...again,
      message: {
        ...again.message,
        attachments: [{ reference: 'https://cdn.example.com/a.png', contentType: 'image/png', sizeBytes: 3 }],
      },
    };
    expect(given(fromStore).when(sameAgain)).toEqual([]);
    expect(given(fromStore).when(strict('other words'))).toEqual({
      rejected: true,
      reason:
        'idempotencyKey wx-1 was already used for a message with other content; use a new key for a new message',
    });
    // A provider's redelivery (WeChat, email) is never refused for its content.
    expect(given(history).when(receive(1, noRules, 'other words'))).toEqual([]);
    // Once the customer's words are erased, a retry is taken as done.
    const erased = history.map((e) =>
      e.type === 'channels.message-received.v1' ? { ...e, data: { ...e.data, text: '[erased]' } } : e,
    );
    expect(given(erased).when(strict('other words'))).toEqual([]);
  });

  it('records that the channel cut the text short (an email body past the message bound)', () => {
    const command = receive(1);
    if (command.kind !== 'receive-message') throw new Error('unreachable');
    const cut = {
      ...command,
      message: { ...command.message, text: 'start…[truncated]', textTruncated: true },
    };
    expect(eventsOf(cut)[1]?.data).toMatchObject({ text: 'start…[truncated]', textTruncated: true });
    expect(eventsOf(receive(1))[1]?.data).not.toHaveProperty('textTruncated');
  });

  it('adds nothing for a message it already has (a redelivered webhook)', () => {
    expect(given(eventsOf(receive(1))).when(receive(1))).toEqual([]);
  });

  it('applies the rules: auto-reply and routing in the same decision', () => {
    const first = eventsOf(receive(1, rules, 'I am VIP'));
    expect(first.map((e) => e.type)).toEqual([
      'channels.conversation-started.v1',
      'channels.message-received.v1',
      'channels.conversation-routed.v1',
      'channels.message-sent.v1',
    ]);
    expect(first[3]).toMatchObject({ data: { author: { kind: 'automation', id: 'greet' }, text: '欢迎!' } });
    // Second message: not the first any more, and the routing is already there.
    expect(eventsOf(receive(2, rules, 'vip again'), first).map((e) => e.type)).toEqual([
      'channels.message-received.v1',
    ]);
  });

  it('records a delivery once, and refuses one for a message it did not send', () => {
    const history = [
      ...eventsOf(receive(1)),
      ...eventsOf(
        {
          kind: 'send-reply',
          messageId: '00000000-0000-4000-a000-000000000001',
          author: { kind: 'agent', id: 'a1' },
          text: 'hi',
          attachments: [],
          sentAt: '2026-11-23T10:01:00.000Z',
        },
        eventsOf(receive(1)),
      ),
    ];
    const deliver: ConversationCommand = {
      kind: 'record-delivery',
      messageId: '00000000-0000-4000-a000-000000000001',
      attempt: 1,
      outcome: { delivered: true },
    };
    const delivered = eventsOf(deliver, history);
    expect(delivered.map((e) => e.type)).toEqual(['channels.message-delivered.v1']);
    expect(given([...history, ...delivered]).when(deliver)).toEqual([]);
    expect(given(history).when({ ...deliver, messageId: inbound(1).messageId })).toEqual({
      rejected: true,
      reason: `message ${inbound(1).messageId} was not sent here`,
    });
  });

  it('refuses a written reply on a phone conversation and any reply to an unknown conversation', () => {
    const reply: ConversationCommand = {
      kind: 'send-reply',
      messageId: '00000000-0000-4000-a000-000000000002',
      author: { kind: 'agent', id: 'a1' },
      text: 'hi',
      attachments: [],
      sentAt: '2026-11-23T10:01:00.000Z',
    };
    expect(given([]).when(reply)).toEqual({ rejected: true, reason: 'conversation not found' });
    const call = eventsOf({
      kind: 'record-call',
      where: { ...where, channel: 'phone', channelId: 'pbx' },
      callId: 'call-1',
      identities: [{ kind: 'phone', value: '+8613800138000', verified: true }],
      phase: { name: 'ringing', direction: 'inbound', at: '2026-11-23T10:00:00.000Z' },
    });
    expect(given(call).when(reply)).toEqual({
      rejected: true,
      reason: 'a phone conversation takes no written reply',
    });
  });

  it('starts a call at its first report, computes its duration, and ignores repeated reports', () => {
    const phone = { ...where, channel: 'phone' as const, channelId: 'pbx' };
    const ids = [{ kind: 'phone' as const, value: '+8613800138000', verified: true }];
    const answered = eventsOf({
      kind: 'record-call',
      where: phone,
      callId: 'c1',
      identities: ids,
      phase: { name: 'answered', agentId: 'a1', at: '2026-11-23T10:00:00.000Z' },
    });
    expect(answered.map((e) => e.type)).toEqual(['channels.call-started.v1', 'channels.call-answered.v1']);
    const ended: ConversationCommand = {
      kind: 'record-call',
      where: phone,
      callId: 'c1',
      identities: ids,
      phase: { name: 'ended', at: '2026-11-23T10:02:05.000Z' },
    };
    const end = eventsOf(ended, answered);
    expect(end).toEqual([
      {
        type: 'channels.call-ended.v1',
        data: {
          ...phone,
          callId: 'c1',
          answered: true,
          durationSeconds: 125,
          endedAt: '2026-11-23T10:02:05.000Z',
        },
      },
    ]);
    expect(given([...answered, ...end]).when(ended)).toEqual([]);
  });

  it('lets a web visitor identify before the first message, and not twice with the same address', () => {
    const chat = { ...where, channel: 'web-chat' as const, channelId: 'site' };
    const identify: ConversationCommand = {
      kind: 'identify-visitor',
      where: chat,
      visitorId: 'v1',
      identities: [{ kind: 'email', value: 'li@example.com', verified: false }],
    };
    const first = eventsOf(identify);
    expect(first.map((e) => e.type)).toEqual([
      'channels.conversation-started.v1',
      'channels.visitor-identified.v1',
    ]);
    expect(given(first).when(identify)).toEqual([]);
  });
});

describe('folding a conversation', () => {
  // A history with every kind of collection the state keeps: messages, auto-replies, calls.
  const history = (): ConversationEvent[] => {
    const events: ConversationEvent[] = [];
    for (let n = 1; n <= 6; n++) {
      const decided = given(events).when(receive(n, rules));
      if (!Array.isArray(decided)) throw new Error(decided.reason);
      events.push(...decided);
    }
    return events;
  };

  it('gives what one evolve at a time gives, and leaves the state it started from as it was', () => {
    const events = history();
    const start = events.slice(0, 3).reduce(conversationDecider.evolve, conversationDecider.initialState());
    const before = {
      ids: [...start.providerMessageIds],
      order: [...start.order],
      messages: start.messages.size,
    };
    const folded = conversationDecider.fold?.(start, events.slice(3));
    expect(folded).toEqual(events.slice(3).reduce(conversationDecider.evolve, start));
    expect({
      ids: [...start.providerMessageIds],
      order: [...start.order],
      messages: start.messages.size,
    }).toEqual(before);
  });

  it('never changes the state evolve is given (a cached state is shared by the commands reading it)', () => {
    const events = history();
    const start = events.slice(0, 2).reduce(conversationDecider.evolve, conversationDecider.initialState());
    const order = [...start.order];
    conversationDecider.evolve(start, events[2] as ConversationEvent);
    expect(start.order).toEqual(order);
    expect(start.providerMessageIds.size).toBe(1);
  });
});
