import type { ProjectedEvent } from '@journey/projections';
import { productOf } from '../../figures/adapters/ticket-records.projection';
import { journeyFactsProjection, knowledgeFactsProjection } from './journey-facts.projection';

const projected = (type: string, data: Record<string, unknown>): ProjectedEvent => ({
  id: 'event-1',
  type,
  streamId: 'stream-1',
  revision: 0n,
  time: '2026-03-02T10:00:00.000Z',
  data,
});

describe('journey facts', () => {
  const interaction = {
    contactId: 'c-1',
    sourceEventId: 'e-0',
    sourceType: 'channels.message-received.v1',
    channel: 'wechat',
    channelId: 'oa',
    conversationId: 'conv-1',
    summary: 'my address is 5 Long Road',
    at: '2026-03-02T18:00:00+08:00',
  };

  it('keeps a customer’s interaction as a conversation fact in UTC, without its summary', () => {
    const [change] = journeyFactsProjection.project(
      projected('contacts.interaction-recorded.v1', { ...interaction, kind: 'message-received' }),
    );
    expect(change).toEqual({
      id: 'event-1',
      set: {
        k: 'conversation',
        contactId: 'c-1',
        conversationId: 'conv-1',
        channel: 'wechat',
        at: '2026-03-02T10:00:00.000Z',
      },
    });
    expect(JSON.stringify(change)).not.toContain('Long Road');
  });

  it('takes a call the customer made by its start, and leaves out a call the company made', () => {
    const call = (sourceType: string, direction?: 'inbound' | 'outbound') =>
      journeyFactsProjection.project(
        projected('contacts.interaction-recorded.v1', {
          ...interaction,
          kind: 'call',
          sourceType,
          ...(direction ? { direction } : {}),
        }),
      );
    expect(call('channels.call-started.v1', 'inbound')).toHaveLength(1);
    expect(call('channels.call-started.v1')).toHaveLength(1); // recorded before calls had a direction
    expect(call('channels.call-started.v1', 'outbound')).toEqual([]);
    expect(call('channels.call-ended.v1')).toEqual([]);
  });

  it('leaves out an agent’s outbound message and every journey event but an order, and keeps no order details', () => {
    expect(
      journeyFactsProjection.project(
        projected('contacts.interaction-recorded.v1', { ...interaction, kind: 'message-sent' }),
      ),
    ).toEqual([]);
    const journeyEvent = (kind: string) =>
      projected('contacts.journey-event-recorded.v1', {
        contactId: 'c-1',
        kind,
        externalId: 'order-9',
        source: 'shop',
        occurredAt: '2026-03-03T00:00:00Z',
        details: { address: '5 Long Road' },
      });
    expect(journeyFactsProjection.project(journeyEvent('page-viewed'))).toEqual([]);
    const [placed] = journeyFactsProjection.project(journeyEvent('order-placed'));
    expect(placed).toEqual({
      id: 'event-1',
      set: {
        k: 'order',
        contactId: 'c-1',
        report: expect.stringMatching(/^[\w-]{22}$/),
        at: '2026-03-03T00:00:00.000Z',
      },
    });
    expect(JSON.stringify(placed)).not.toMatch(/order-9|Long Road/);
  });
});

describe('knowledge facts', () => {
  it('keeps a feedback’s reason and never its comment, an update request never its text', () => {
    const feedback = knowledgeFactsProjection.project(
      projected('knowledge.feedback-given.v1', {
        articleId: 'a-1',
        locale: 'en',
        feedbackId: 'f-1',
        helpful: false,
        reason: 'outdated',
        comment: 'call me on 555 0100',
        channel: 'portal',
        at: '2026-03-02T10:00:00Z',
      }),
    );
    expect(feedback).toEqual([
      {
        id: 'event-1',
        set: {
          k: 'feedback',
          articleId: 'a-1',
          helpful: false,
          reason: 'outdated',
          channel: 'portal',
          at: '2026-03-02T10:00:00.000Z',
        },
      },
    ]);
    const request = knowledgeFactsProjection.project(
      projected('knowledge.update-requested.v1', {
        articleId: 'a-1',
        locale: 'en',
        requestId: 'r-1',
        reason: 'outdated',
        text: 'my order 12345 was late',
        channel: 'widget',
        at: '2026-03-02T10:00:00Z',
      }),
    );
    expect(JSON.stringify(request)).not.toContain('12345');
  });
});

describe('the product of a ticket', () => {
  it('is its first product tag, or none', () => {
    expect(productOf(['vip', 'product:kettle-2', 'product:toaster'])).toBe('kettle-2');
    expect(productOf(['vip', 'product:'])).toBe('none');
    expect(productOf([])).toBe('none');
  });
});
