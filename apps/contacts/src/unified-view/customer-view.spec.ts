import { unifiedViewProjection } from './adapters/unified-view.projection';
import { customerView } from './customer-view';

const C = '0b5c7c1e-3d0f-4b7e-9a53-8f1f5c2a7d11';
const wrote = (channel: string, at: string) => ({
  id: `e-${channel}-${at}`,
  type: 'contacts.interaction-recorded.v1',
  streamId: `contact-${C}`,
  revision: 1n,
  time: at,
  contactId: C,
  data: {
    contactId: C,
    sourceEventId: `s-${channel}`,
    sourceType: 'channels.message-received.v1',
    kind: 'message-received',
    channel,
    channelId: 'x',
    conversationId: '5d7f2c1e-3d0f-4b7e-9a53-8f1f5c2a7d11',
    at,
  },
});

/** Applies the projection's $max changes the way MongoDB would, in the order given. */
function lastInboundAfter(...events: ReturnType<typeof wrote>[]) {
  const doc: Record<string, unknown> = { _id: C };
  for (const event of events)
    for (const change of unifiedViewProjection.project(event))
      for (const [path, value] of Object.entries(change.max ?? {})) {
        const [field, key] = path.split('.') as [string, string | undefined];
        if (key === undefined) {
          if (!(String(doc[field] ?? '') >= String(value))) doc[field] = value;
        } else {
          const map = (doc[field] ??= {}) as Record<string, unknown>;
          if (!(String(map[key] ?? '') >= String(value))) map[key] = value;
        }
      }
  return customerView([doc]).preferredChannel;
}

describe('the inferred preferred channel', () => {
  const email = wrote('email', '2026-11-24T10:00:00.000Z');
  const wechat = wrote('wechat', '2026-11-24T10:00:02.000Z');

  it('is the channel the customer last wrote from, by time, in whatever order the events were applied', () => {
    expect(lastInboundAfter(email, wechat)).toEqual({ channel: 'wechat', inferred: true });
    expect(lastInboundAfter(wechat, email)).toEqual({ channel: 'wechat', inferred: true });
  });
});
