import fc from 'fast-check';
import { ruleSetSchema } from '../../rules/domain/channel-rules';
import { conversationDecider } from './conversation.decider';
import type { ConversationCommand, ConversationEvent, ConversationState } from './conversation.decider';

// Properties of the conversation decider over any sequence of commands, redeliveries included: what the
// handler relies on (a stream folded at once equals one folded event by event; a redelivery changes nothing;
// an erased conversation takes nothing more), checked on thousands of generated histories.
const C = '0b5c7c1e-3d0f-4b7e-9a53-8f1f5c2a7d11';
const where = { conversationId: C, channel: 'app' as const, channelId: 'mobile' };
const noRules = ruleSetSchema.parse({ rules: [] });
const uuid = (n: number, prefix = '0000') => `${prefix}0000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Messages come from a small pool of provider ids and texts, so that redeliveries and conflicts happen. */
const command: fc.Arbitrary<ConversationCommand> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({ n: fc.integer({ min: 1, max: 6 }), text: fc.constantFrom('hi', 'where is it', '你好') })
      .map(({ n, text }): ConversationCommand => ({
        kind: 'receive-message',
        rules: noRules,
        message: {
          ...where,
          messageId: uuid(n),
          providerMessageId: `p-${n}`,
          identities: [{ kind: 'app-user-id', value: 'u1', verified: true }],
          text,
          attachments: [],
          receivedAt: '2026-11-23T10:00:00.000Z',
          strictIdempotency: true,
        },
      })),
  },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 1, max: 4 }).map((n): ConversationCommand => ({
      kind: 'send-reply',
      messageId: uuid(n, '1111'),
      author: { kind: 'agent', id: 'ann' },
      text: 'on its way',
      attachments: [],
      sentAt: '2026-11-23T10:01:00.000Z',
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ n: fc.integer({ min: 1, max: 6 }), customer: fc.boolean() })
      .map(({ n, customer }): ConversationCommand => ({
        kind: 'mark-read',
        reader: customer ? 'customer' : 'agent',
        upToMessageId: uuid(n),
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ n: fc.integer({ min: 1, max: 4 }), ok: fc.boolean() })
      .map(({ n, ok }): ConversationCommand => ({
        kind: 'record-delivery',
        messageId: uuid(n, '1111'),
        attempt: 1,
        outcome: ok ? { delivered: true } : { delivered: false, reason: 'timeout' },
      })),
  },
  {
    weight: 1,
    arbitrary: fc.constant<ConversationCommand>({ kind: 'erase', erasedAt: '2026-11-23T11:00:00.000Z' }),
  },
);

/** Runs the commands as the handler does: decide on the state of everything stored so far, store what it decides. */
function play(commands: ConversationCommand[]) {
  let state = conversationDecider.initialState();
  const history: ConversationEvent[] = [];
  const steps: {
    command: ConversationCommand;
    before: ConversationState;
    outcome: ConversationEvent[] | 'rejected';
  }[] = [];
  for (const c of commands) {
    const decided = conversationDecider.decide(c, state);
    const outcome = Array.isArray(decided) ? decided : 'rejected';
    steps.push({ command: c, before: state, outcome });
    if (Array.isArray(decided)) {
      history.push(...decided);
      state = decided.reduce(conversationDecider.evolve, state);
    }
  }
  return { state, history, steps };
}

const received = (events: ConversationEvent[]) =>
  events
    .filter((e) => e.type === 'channels.message-received.v1')
    .map((e) => (e.data as { providerMessageId: string }).providerMessageId);

describe('the conversation decider, for any sequence of commands', () => {
  const commands = fc.array(command, { minLength: 1, maxLength: 40 });

  it('folds a stream at once to the same state as event by event', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const { state, history } = play(cs);
        const folded = conversationDecider.fold?.(conversationDecider.initialState(), history);
        expect(folded).toEqual(state);
      }),
      { numRuns: 500 },
    );
  });

  it('records each provider message once, however often it is delivered', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const ids = received(play(cs).history);
        expect(new Set(ids).size).toBe(ids.length);
      }),
      { numRuns: 500 },
    );
  });

  it('changes nothing when the same command is decided again right after (a redelivery)', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const { state } = play(cs);
        const last = cs[cs.length - 1] as ConversationCommand;
        if (last.kind !== 'receive-message') return;
        const again = conversationDecider.decide(last, state);
        // Taken as done (no event), or refused as it was the first time (erased, or a changed key).
        expect(Array.isArray(again) ? again : []).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('takes nothing more once erased: a second erasure is done already, anything else is refused', () => {
    fc.assert(
      fc.property(commands, (cs) => {
        const { steps } = play(cs);
        for (const step of steps.filter((s) => s.before.erased)) {
          const outcome = step.outcome === 'rejected' ? 'rejected' : step.outcome.map((e) => e.type);
          expect({ kind: step.command.kind, outcome }).toEqual({
            kind: step.command.kind,
            outcome: step.command.kind === 'erase' ? [] : 'rejected',
          });
        }
      }),
      { numRuns: 500 },
    );
  });
});
