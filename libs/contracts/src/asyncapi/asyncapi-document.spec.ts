import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { ASYNCAPI_FILE, renderAsyncApi } from './write-asyncapi';

describe('the AsyncAPI document', () => {
  it('is checked in exactly as the contracts generate it', () => {
    const checkedIn = readFileSync(ASYNCAPI_FILE, 'utf8');
    if (checkedIn !== renderAsyncApi()) {
      throw new Error(
        'libs/contracts/asyncapi.yaml is stale: run `npx nx run contracts:asyncapi` and commit it',
      );
    }
  });

  it('is valid AsyncAPI 3.0 for the AsyncAPI parser, with every event type as a message', async () => {
    const { document, diagnostics } = await new Parser().parse(readFileSync(ASYNCAPI_FILE, 'utf8'));
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((e) => `${e.path.join('.')}: ${e.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    const names = document
      ?.allMessages()
      .all()
      .map((m) => m.name());
    expect(names).toEqual(
      expect.arrayContaining(['channels.conversation-started.v1', 'channels.message-received.v1']),
    );
    expect(
      document
        ?.channels()
        .all()
        .map((c) => c.address()),
    ).toEqual(
      expect.arrayContaining([
        'journey.channels.v1',
        'journey.contacts.v1',
        'journey.tickets.v1',
        'journey.knowledge.v1',
        'journey.dlq.{groupId}',
      ]),
    );
  });
});
