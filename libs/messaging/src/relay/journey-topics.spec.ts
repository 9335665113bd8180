import { journeyCatalogue } from '@journey/contracts';
import type { OutgoingMessage } from '../bus/message-bus';
import { topicForEventType } from './event-message';
import { splitByBytes } from './event-relay';
import { JOURNEY_EVENT_TOPICS } from './journey-topics';

describe('routing every event the contracts define', () => {
  it('has a topic for the context of every event type in the catalogue', () => {
    const topics = new Set(JOURNEY_EVENT_TOPICS.map((t) => t.topic));
    const unroutable = journeyCatalogue
      .list()
      .map((d) => d.type)
      .filter((type) => !topics.has(topicForEventType(type)));
    expect(unroutable).toEqual([]);
  });
});

describe('splitByBytes', () => {
  const message = (n: number, bytes: number): OutgoingMessage => ({
    topic: 't',
    key: `k${n}`,
    value: 'x'.repeat(bytes),
    headers: {},
  });

  it('cuts a batch into runs under the limit, keeping the order; a message over it goes alone', () => {
    // Each message also counts its key and ~200 bytes of headers and framing.
    const batch = [message(0, 250), message(1, 250), message(2, 250), message(3, 2_000), message(4, 10)];
    const runs = splitByBytes(batch, 1_000);
    expect(runs.map((r) => r.map((m) => m.key))).toEqual([['k0', 'k1'], ['k2'], ['k3'], ['k4']]);
    expect(runs.flat()).toEqual(batch);
  });
});
