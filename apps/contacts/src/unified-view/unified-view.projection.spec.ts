import { unifiedViewProjection } from './unified-view.projection';

const C = '0b5c7c1e-3d0f-4b7e-9a53-8f1f5c2a7d11';
const event = (type: string, data: Record<string, unknown>) => ({
  id: 'e-1',
  type,
  streamId: `contact-${C}`,
  revision: 0n,
  time: '2026-11-23T10:00:00.000Z',
  contactId: C,
  data: { contactId: C, ...data },
});

describe('the unified view projection', () => {
  it('puts interactions and journey facts on the timeline, and moves the stage forward only', () => {
    const [chat] = unifiedViewProjection.project(
      event('contacts.interaction-recorded.v1', {
        kind: 'message-received',
        channel: 'wechat',
        conversationId: 'x',
        summary: '你好',
        at: '2026-11-23T10:00:00.000Z',
      }),
    );
    expect(chat).toMatchObject({
      id: C,
      push: { timeline: { kind: 'message-received', channel: 'wechat', summary: '你好' } },
      addToSet: { channels: 'wechat' },
      max: { lastContactAt: '2026-11-23T10:00:00.000Z' },
    });
    const stageOf = (kind: string) =>
      unifiedViewProjection.project(
        event('contacts.journey-event-recorded.v1', {
          kind,
          occurredAt: '2026-11-23T11:00:00.000Z',
          source: 's',
          externalId: '1',
          details: {},
        }),
      )[0]?.max?.['stageRank'];
    expect([
      stageOf('page-viewed'),
      stageOf('order-placed'),
      stageOf('order-delivered'),
      stageOf('return-requested'),
    ]).toEqual([0, 1, 2, 2]);
  });

  it('skips event types it does not know', () => {
    expect(unifiedViewProjection.project(event('contacts.something-else.v1', {}))).toEqual([]);
  });
});
