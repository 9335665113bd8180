import type { ChannelsEvent, ChannelsEventData } from './channels.events';

describe('the channels event union, derived from the contracts', () => {
  it('narrows by type to the data the contract describes', () => {
    const event = {
      type: 'channels.call-ended.v1',
      data: {
        conversationId: '00000000-0000-4000-8000-000000000001',
        channel: 'phone',
        channelId: 'pbx',
        callId: 'c1',
        answered: true,
        durationSeconds: 42,
        endedAt: '2026-11-24T00:00:00.000Z',
      },
    } satisfies ChannelsEvent;
    const ended: ChannelsEventData<'channels.call-ended.v1'> = event.data;
    // @ts-expect-error a type the contracts do not define is no channels event
    const unknown: ChannelsEvent['type'] = 'channels.call-missed.v1';
    expect([ended.durationSeconds, unknown]).toEqual([42, 'channels.call-missed.v1']);
  });
});
