import fc from 'fast-check';
import { journeyCatalogue } from '@journey/contracts';
import { emailIndexDecider } from './email-threads';

// The email index's decider, for any sequence of indexings of one Message-ID (redeliveries, our reply and
// the customer's copy, a forged reuse of the id): the first conversation indexed keeps it, recorded once,
// in an event that fits its contract.
const conversation = fc.constantFrom(
  '0b5c7c1e-3d0f-4b7e-9a53-8f1f5c2a7d11',
  '6f1d2a9e-2b8c-4f1e-8d7a-3c5b9e0f1a22',
  '9e9a1f5c-7a43-4d0c-8f55-1b7d3c2e4f60',
);
const indexings = fc.array(
  fc.record({ conversationId: conversation, channelId: fc.constantFrom('support', 'sales') }),
  {
    minLength: 1,
    maxLength: 20,
  },
);

describe('the email index decider, for any sequence of indexings of a Message-ID', () => {
  it('keeps the first conversation indexed, recorded once, whatever comes after', () => {
    fc.assert(
      fc.property(indexings, (commands) => {
        let state = emailIndexDecider.initialState();
        const history = [];
        for (const c of commands) {
          const decided = emailIndexDecider.decide(c, state);
          if (!Array.isArray(decided)) throw new Error(decided.reason);
          history.push(...decided);
          state = decided.reduce(emailIndexDecider.evolve, state);
        }
        expect(state).toBe(commands[0]?.conversationId);
        expect(history).toEqual([{ type: 'channels.email-message-indexed.v1', data: commands[0] }]);
        expect(history.map((e) => journeyCatalogue.check(e.type, e.data))).toEqual([undefined]);
      }),
      { numRuns: 300 },
    );
  });
});
