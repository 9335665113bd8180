import { ERASED } from '@journey/contracts';
import { customerTimelineProjection, entryId } from './customer-timeline.projection';
import { nameKeyOf, unifiedViewProjection } from './unified-view.projection';

const C = '0b5c7c1e-3d0f-4b7e-9a53-8f1f5c2a7d11';
const event = (type: string, data: Record<string, unknown>, revision = 0n) => ({
  id: 'e-1',
  type,
  streamId: `contact-${C}`,
  revision,
  time: '2026-11-23T10:00:00.000Z',
  contactId: C,
  data: { contactId: C, ...data },
});

describe('the unified view projection', () => {
  it('counts interactions toward channels and last contact, and moves the stage forward only', () => {
    const [chat] = unifiedViewProjection.project(
      event('contacts.interaction-recorded.v1', {
        kind: 'message-received',
        channel: 'wechat',
        conversationId: 'x',
        summary: '你好',
        at: '2026-11-23T10:00:00.000Z',
      }),
    );
    expect(chat).toEqual({
      id: C,
      addToSet: { channels: 'wechat' },
      max: { lastContactAt: '2026-11-23T10:00:00.000Z', 'lastInboundAt.wechat': '2026-11-23T10:00:00.000Z' },
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

  it('keys a name for exact lookups in any case or width, and erases the key with the name', () => {
    expect(nameKeyOf('  ＡＮＮ Lee ')).toBe('ann lee');
    const [created] = unifiedViewProjection.project(
      event('contacts.contact-created.v1', { identities: [], name: 'Ann Lee' }),
    );
    expect(created?.set).toMatchObject({ name: 'Ann Lee', nameKey: 'ann lee' });
    const [renamed] = unifiedViewProjection.project(event('contacts.profile-updated.v1', { name: '李 雷' }));
    expect(renamed?.set).toEqual({ name: '李 雷', nameKey: '李 雷' });
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
    const [message] = customerTimelineProjection.project(
      event('contacts.interaction-recorded.v1', {
        kind: 'message-received',
        channel: 'email',
        conversationId: 'x',
        summary: ERASED,
        at: '2026-11-23T10:00:00.000Z',
      }),
    );
    expect(message?.set).not.toHaveProperty('summary');
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
      'nameKey',
      'timeline',
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
});

describe('the customer timeline projection', () => {
  const at = '2026-11-24T10:00:00.000Z';

  it('makes one entry per interaction or journey fact, keyed by its stream and revision and ordered by time', () => {
    const [started, message, fact] = [
      event(
        'contacts.interaction-recorded.v1',
        { kind: 'conversation-started', channel: 'email', conversationId: 'x', at },
        3n,
      ),
      event(
        'contacts.interaction-recorded.v1',
        { kind: 'message-received', channel: 'email', conversationId: 'x', summary: 'hi', at },
        4n,
      ),
      event(
        'contacts.journey-event-recorded.v1',
        { kind: 'order-placed', occurredAt: at, source: 'shop', externalId: 'o-1', details: { total: 5 } },
        5n,
      ),
    ].map((e) => customerTimelineProjection.project(e));
    expect(started).toEqual([
      {
        id: entryId(`contact-${C}`, 3),
        set: {
          contactId: C,
          eventId: 'e-1',
          at,
          kind: 'conversation-started',
          channel: 'email',
          conversationId: 'x',
          rank: 0,
          seq: 3,
        },
      },
    ]);
    expect(message?.[0]?.set).toMatchObject({ kind: 'message-received', summary: 'hi', rank: 1, seq: 4 });
    expect(fact?.[0]).toMatchObject({
      id: `contact-${C}@5`,
      set: { kind: 'order-placed', source: 'shop', details: { total: 5 }, rank: 1, seq: 5 },
    });
  });

  it("erases the customer's words from every entry its stream may have made, making none", () => {
    const changes = customerTimelineProjection.project(
      event('contacts.personal-data-erased.v1', { conversationIds: [], by: 'dpo', erasedAt: at }, 3n),
    );
    expect(changes).toEqual(
      [0, 1, 2].map((r) => ({
        id: `contact-${C}@${r}`,
        existing: true,
        unset: { summary: true, details: true },
      })),
    );
  });

  it("puts a ticket's facts on its customer's timeline, the agents' and customer's words as the erasable summary", () => {
    const T = 'c1d2e3f4-0000-4000-8000-000000000001';
    const ticket = (type: string, data: Record<string, unknown>, revision: bigint) => ({
      ...event(type, data, revision),
      streamId: `ticket-${T}`,
    });
    const [transferred] = customerTimelineProjection.project(
      ticket(
        'tickets.ticket-transferred.v1',
        {
          ticketId: T,
          contactId: C,
          fromGroup: 'sales',
          toGroup: 'billing',
          note: 'refund approved',
          by: 'ann',
          at,
        },
        7n,
      ),
    );
    expect(transferred).toMatchObject({
      id: `ticket-${T}@7`,
      set: {
        contactId: C,
        kind: 'ticket-transferred',
        ticketId: T,
        toGroup: 'billing',
        summary: 'refund approved',
        at,
      },
    });
    const [rated] = customerTimelineProjection.project(
      ticket(
        'tickets.csat-rated.v1',
        { ticketId: T, contactId: C, surveyId: T, score: 4, comment: ERASED, at },
        8n,
      ),
    );
    expect(rated?.set).toMatchObject({ kind: 'csat-rated', score: 4 });
    expect(rated?.set).not.toHaveProperty('summary');
    // A ticket whose customer is not known is not on anyone's timeline.
    expect(
      customerTimelineProjection.project(
        ticket(
          'tickets.ticket-escalated.v1',
          { ticketId: T, contactId: undefined, fromGroup: 'sales', notify: [], cause: 'manual', by: 'a', at },
          9n,
        ),
      ),
    ).toEqual([]);
    // The ticket erased: its words go from each entry it made.
    expect(
      customerTimelineProjection.project(
        ticket('tickets.ticket-erased.v1', { ticketId: T, contactId: C }, 2n),
      ),
    ).toEqual([
      { id: `ticket-${T}@0`, existing: true, unset: { summary: true } },
      { id: `ticket-${T}@1`, existing: true, unset: { summary: true } },
    ]);
  });
});
