import { MESSAGE_TEXT_MAX } from '@journey/contracts';
import { importedTickets, importRequestSchema } from './import-formats';

const parse = (body: unknown) => importedTickets(importRequestSchema.parse(body), 'support');
const unix = (iso: string) => Date.parse(iso) / 1000;

describe('the import formats', () => {
  it("reads a Chatwoot conversation: the customer's messages, agents' replies, bots and templates as automated, private notes, status and assignment events, the CSAT answer", () => {
    const [t] = parse({
      source: 'chatwoot',
      tickets: [
        {
          id: 77,
          status: 'resolved',
          priority: 'medium',
          created_at: unix('2026-05-01T08:00:00Z'),
          labels: ['billing'],
          meta: { team: { name: 'Billing Team' } },
          messages: [
            {
              id: 1,
              content: 'Hi, double charge',
              message_type: 0,
              created_at: unix('2026-05-01T08:00:00Z'),
              sender_type: 'Contact',
              sender_id: 5,
            },
            {
              id: 2,
              content: 'A bot says hello',
              message_type: 1,
              created_at: unix('2026-05-01T08:00:05Z'),
              sender_type: 'AgentBot',
              sender_id: 1,
            },
            {
              id: 3,
              content: 'Conversation was assigned',
              message_type: 2,
              created_at: unix('2026-05-01T08:01:00Z'),
            },
            {
              id: 4,
              content: 'Refunding now',
              message_type: 1,
              created_at: unix('2026-05-01T08:10:00Z'),
              sender_type: 'User',
              sender_id: 9,
            },
            {
              id: 5,
              content: 'check ledger',
              message_type: 1,
              private: true,
              created_at: unix('2026-05-01T08:11:00Z'),
              sender_type: 'User',
              sender_id: 9,
            },
            { id: 6, content: null, message_type: 3, created_at: unix('2026-05-01T08:12:00Z') },
          ],
          events: [
            { id: 10, created_at: unix('2026-05-01T08:01:00Z'), assignee_id: 9, actor_id: 9 },
            { id: 11, created_at: unix('2026-05-01T08:20:00Z'), status: 'resolved', actor_id: 9 },
          ],
          csat_survey_response: { rating: 4, feedback_message: 'ok', created_at: '2026-05-01T09:00:00Z' },
        },
      ],
    });
    expect(t).toMatchObject({
      externalId: '77',
      priority: 'normal',
      group: 'chatwoot-billing-team',
      tags: ['billing'],
    });
    expect(t?.entries.map((e) => [e.kind, e.key])).toEqual([
      ['customer-message', 'message-1'],
      ['reply', 'message-2'],
      ['assignment', 'event-10-assignee'],
      ['reply', 'message-4'],
      ['note', 'message-5'],
      ['status', 'event-11-status'],
      ['rating', 'csat'],
    ]);
    expect(
      t?.entries.filter((e) => e.kind === 'reply').map((e) => e.kind === 'reply' && e.automated),
    ).toEqual([true, false]);
    expect(t?.entries.find((e) => e.kind === 'status')).toMatchObject({
      to: 'solved',
      by: 'chatwoot-agent-9',
    });
  });

  it("reads a Zammad ticket: articles by sender, internal ones as notes, the System's as auto-replies, state, owner and priority history", () => {
    const [t] = parse({
      source: 'zammad',
      tickets: [
        {
          id: 31,
          title: 'Printer on fire',
          group: 'Users',
          priority: '3 high',
          created_at: '2026-06-01T10:00:00Z',
          customer_id: 2,
          articles: [
            {
              id: 1,
              sender: 'Customer',
              internal: false,
              body: 'It burns',
              created_at: '2026-06-01T10:00:00Z',
              created_by_id: 2,
            },
            {
              id: 2,
              sender: 'System',
              internal: false,
              body: 'Auto: received',
              created_at: '2026-06-01T10:00:01Z',
              created_by_id: 1,
            },
            {
              id: 3,
              sender: 'Agent',
              internal: true,
              body: 'call the fire brigade',
              created_at: '2026-06-01T10:05:00Z',
              created_by_id: 3,
            },
          ],
          history: [
            {
              id: 7,
              created_at: '2026-06-01T10:02:00Z',
              created_by_id: 3,
              attribute: 'owner',
              value_to: 'Nicole Braun',
            },
            {
              id: 8,
              created_at: '2026-06-01T11:00:00Z',
              created_by_id: 3,
              attribute: 'state',
              value_to: 'closed',
            },
          ],
        },
      ],
    });
    expect(t).toMatchObject({ subject: 'Printer on fire', priority: 'high', group: 'zammad-users' });
    expect(t?.entries.map((e) => e.kind)).toEqual([
      'customer-message',
      'reply',
      'assignment',
      'note',
      'status',
    ]);
    expect(t?.entries[1]).toMatchObject({ automated: true, author: 'zammad-system' });
    expect(t?.entries[2]).toMatchObject({ agentId: 'zammad-agent-nicole-braun' });
    expect(t?.entries[4]).toMatchObject({ to: 'closed' });
  });

  it('refuses what is not an export it knows, and bounds every text', () => {
    expect(importRequestSchema.safeParse({ source: 'freshdesk', tickets: [{}] }).success).toBe(false);
    expect(importRequestSchema.safeParse({ source: 'zammad', tickets: [] }).success).toBe(false);
    const [t] = parse({
      source: 'zendesk',
      tickets: [
        {
          id: 1,
          status: 'open',
          requester_id: 1,
          created_at: '2026-01-01T00:00:00Z',
          comments: [
            {
              id: 1,
              author_id: 1,
              body: 'x'.repeat(70_000),
              public: true,
              created_at: '2026-01-01T00:00:00Z',
            },
          ],
        },
      ],
    });
    const first = t?.entries[0];
    expect(first?.kind === 'customer-message' ? first.text : '').toBe('x'.repeat(MESSAGE_TEXT_MAX));
    expect(t?.group).toBe('support');
  });
});
