import { ERASED } from '@journey/contracts';
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

  it('leaves erased personal data out instead of keeping a placeholder', () => {
    const [created] = unifiedViewProjection.project(
      event('contacts.contact-created.v1', {
        identities: [{ kind: 'email', value: ERASED, verified: true }],
        name: ERASED,
      }),
    );
    expect(created?.set).toEqual({
      identities: [{ kind: 'email', verified: true }],
      createdAt: '2026-11-23T10:00:00.000Z',
    });
    expect(created?.setOnInsert).toMatchObject({ timeline: [] });
    const [message] = unifiedViewProjection.project(
      event('contacts.interaction-recorded.v1', {
        kind: 'message-received',
        channel: 'email',
        conversationId: 'x',
        summary: ERASED,
        at: '2026-11-23T10:00:00.000Z',
      }),
    );
    expect(message?.push?.['timeline']).not.toHaveProperty('summary');
    expect(
      unifiedViewProjection.project(event('contacts.traits-set.v1', { traits: ERASED, by: 'a' }))[0],
    ).toEqual({ id: C, unset: { traits: true } });
  });

  it('removes on erasure exactly the fields that a replay leaves out', () => {
    const [change] = unifiedViewProjection.project(
      event('contacts.personal-data-erased.v1', {
        conversationIds: [],
        by: 'dpo',
        erasedAt: '2026-11-23T12:00:00.000Z',
      }),
    );
    expect(change?.set).toEqual({ erasedAt: '2026-11-23T12:00:00.000Z' });
    expect(Object.keys(change?.unset ?? {}).sort()).toEqual([
      'identities.$[].value',
      'name',
      'timeline.$[].details',
      'timeline.$[].summary',
      'traits',
    ]);
  });

  it('sets and removes traits one key at a time', () => {
    expect(
      unifiedViewProjection.project(
        event('contacts.traits-set.v1', { traits: { pet: 'dog', city: null }, by: 'a' }),
      ),
    ).toEqual([{ id: C, set: { 'traits.pet': 'dog' }, unset: { 'traits.city': true } }]);
  });

  it('links a merged contact both ways, and a split unlinks both', () => {
    const S = '9e9a1f5c-7a43-4d0c-8f55-1b7d3c2e4f60';
    expect(
      unifiedViewProjection.project(event('contacts.contact-merged.v1', { survivorId: S, by: 'a' })),
    ).toEqual([
      { id: C, set: { mergedInto: S } },
      { id: S, addToSet: { mergedContacts: C } },
    ]);
    expect(
      unifiedViewProjection.project(event('contacts.contact-split.v1', { survivorId: S, by: 'a' })),
    ).toEqual([
      { id: C, unset: { mergedInto: true } },
      { id: S, pull: { mergedContacts: C } },
    ]);
  });

  it("puts a ticket's facts on its customer's timeline, the agents' and customer's words as the erasable summary", () => {
    const T = 'c1d2e3f4-0000-4000-8000-000000000001';
    const at = '2026-11-24T10:00:00.000Z';
    const [transferred] = unifiedViewProjection.project(
      event('tickets.ticket-transferred.v1', {
        ticketId: T,
        contactId: C,
        fromGroup: 'sales',
        toGroup: 'billing',
        note: 'refund approved',
        by: 'ann',
        at,
      }),
    );
    expect(transferred).toMatchObject({
      id: C,
      push: {
        timeline: {
          kind: 'ticket-transferred',
          ticketId: T,
          toGroup: 'billing',
          summary: 'refund approved',
          at,
        },
      },
    });
    const [rated] = unifiedViewProjection.project(
      event('tickets.csat-rated.v1', {
        ticketId: T,
        contactId: C,
        surveyId: T,
        score: 4,
        comment: ERASED,
        at,
      }),
    );
    expect(rated?.push?.['timeline']).toMatchObject({ kind: 'csat-rated', score: 4 });
    expect(rated?.push?.['timeline']).not.toHaveProperty('summary');
    // A ticket whose customer is not known is not on anyone's timeline.
    expect(
      unifiedViewProjection.project(
        event('tickets.ticket-escalated.v1', {
          ticketId: T,
          contactId: undefined,
          fromGroup: 'sales',
          notify: [],
          cause: 'manual',
          by: 'a',
          at,
        }),
      ),
    ).toEqual([]);
  });
});
