import { BadRequestException } from '@nestjs/common';
import fc from 'fast-check';
import { handle, MESSAGE_TEXT_MAX, NOTE_TEXT_MAX, TICKET_SUBJECT_MAX } from '@journey/contracts';
import { isSafeText, parseInput } from '@journey/platform';
import { importedTickets, importRequestSchema } from './import-formats';
import type { ImportedTicket, ImportRequest } from './import-formats';

// The tickets import's formats, for any body: a request is parsed or refused with a 400 (never another
// error), and every export the schema takes, from Zendesk, Chatwoot or Zammad, becomes a history the ticket
// events can hold: entries in time order, each with its own key, texts within the contracts' bounds and
// never empty, actors and groups the contracts accept, ratings on the 1–5 scale.

// Times from a small pool, so that entries share moments and the export's order has to be kept.
const isoTimes = [
  '2026-05-01T08:00:00Z',
  '2026-05-01T08:00:00.000+00:00',
  '2026-05-01T16:00:00+08:00',
  '2026-05-02T09:30:00Z',
  '2026-04-30T23:59:59.999Z',
];
const iso = fc.constantFrom(...isoTimes);
const unix = fc.constantFrom(...isoTimes.map((t) => Math.floor(Date.parse(t) / 1000)));
/** Texts of any script, blank ones, and long ones with an emoji across the bound the import cuts them at. */
const longText = (max: number) =>
  fc.integer({ min: -2, max: 2 }).map((d) => `${'长'.repeat(max - 1 + d)}😀 tail`);
const body = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', '\n\t') },
  { weight: 1, arbitrary: fc.oneof(longText(MESSAGE_TEXT_MAX), longText(NOTE_TEXT_MAX)) },
);
const person = fc.integer({ min: 1, max: 4 });
/** Ids as the exports give them: numbers, or strings of any kind. */
const ids = (n: number) =>
  fc
    .tuple(fc.uniqueArray(fc.nat({ max: 99 }), { minLength: n, maxLength: n }), fc.boolean())
    .map(([list, asText]) => list.map((i) => (asText ? `id${i}` : i)));

const zendesk = fc
  .record({
    id: fc.nat(),
    subject: fc.option(fc.oneof(body, longText(TICKET_SUBJECT_MAX)), { nil: null }),
    status: fc.constantFrom('new', 'open', 'pending', 'hold', 'solved', 'closed'),
    priority: fc.option(fc.constantFrom('low', 'normal', 'high', 'urgent'), { nil: null }),
    requester_id: person,
    group_id: fc.option(fc.oneof(fc.nat({ max: 9 }), fc.constantFrom('Billing Team', '售后', '--')), {
      nil: null,
    }),
    created_at: iso,
    comments: fc.array(
      fc.record({
        author_id: person,
        body,
        public: fc.boolean(),
        created_at: iso,
        via: fc.constantFrom(null, { channel: 'rule' }, { channel: 'web' }),
      }),
      { maxLength: 6 },
    ),
    audits: fc.array(
      fc.record({
        created_at: iso,
        author_id: person,
        events: fc.array(
          fc.record({
            type: fc.constantFrom('Change', 'Create', 'Comment'),
            field_name: fc.constantFrom('status', 'assignee_id', 'priority', 'subject', null),
            value: fc.constantFrom('open', 'hold', 'solved', 'closed', 'new', 'urgent', 'bogus', 7, null),
          }),
          { maxLength: 3 },
        ),
      }),
      { maxLength: 4 },
    ),
    satisfaction_rating: fc.option(
      fc.record({
        score: fc.constantFrom('good', 'bad', 'offered'),
        comment: fc.option(body, { nil: null }),
        created_at: fc.option(iso, { nil: null }),
      }),
      { nil: null },
    ),
  })
  .chain((t) =>
    fc.tuple(ids(t.comments.length), ids(t.audits.length)).map(([commentIds, auditIds]) => ({
      ...t,
      comments: t.comments.map((c, i) => ({ ...c, id: commentIds[i] })),
      audits: t.audits.map((a, i) => ({ ...a, id: auditIds[i] })),
    })),
  );

const chatwoot = fc
  .record({
    id: fc.nat(),
    status: fc.constantFrom('open', 'resolved', 'pending', 'snoozed'),
    priority: fc.option(fc.constantFrom('low', 'medium', 'high', 'urgent'), { nil: null }),
    created_at: unix,
    labels: fc.constantFrom([], ['billing']),
    meta: fc.constantFrom(
      null,
      {},
      { team: null },
      { team: { name: 'Billing Team' } },
      { team: { name: '售后 团队' } },
    ),
    messages: fc.array(
      fc.record({
        content: fc.option(body, { nil: null }),
        message_type: fc.constantFrom(0, 1, 2, 3),
        private: fc.boolean(),
        created_at: unix,
        sender_type: fc.constantFrom('User', 'Contact', 'AgentBot', null),
        sender_id: fc.option(person, { nil: null }),
      }),
      { maxLength: 6 },
    ),
    events: fc.array(
      fc.record(
        {
          created_at: unix,
          status: fc.constantFrom('open', 'resolved', 'pending', 'snoozed'),
          assignee_id: fc.option(person, { nil: null }),
          actor_id: fc.option(person, { nil: null }),
        },
        { requiredKeys: ['created_at'] },
      ),
      { maxLength: 4 },
    ),
    csat_survey_response: fc.option(
      fc.record({
        rating: fc.integer({ min: 1, max: 5 }),
        feedback_message: fc.option(body, { nil: null }),
        created_at: fc.option(iso, { nil: null }),
      }),
      { nil: null },
    ),
  })
  .chain((c) =>
    fc.tuple(ids(c.messages.length), ids(c.events.length)).map(([messageIds, eventIds]) => ({
      ...c,
      messages: c.messages.map((m, i) => ({ ...m, id: messageIds[i] })),
      events: c.events.map((e, i) => ({ ...e, id: eventIds[i] })),
    })),
  );

const zammad = fc
  .record({
    id: fc.nat(),
    title: fc.option(body, { nil: null }),
    group: fc.option(fc.constantFrom('Users', 'Second Level', '售后', '...'), { nil: null }),
    priority: fc.option(fc.constantFrom('1 low', '2 normal', '3 high', 'urgent', 'whatever'), { nil: null }),
    created_at: iso,
    customer_id: person,
    articles: fc.array(
      fc.record({
        sender: fc.constantFrom('Customer', 'Agent', 'System'),
        internal: fc.boolean(),
        body,
        created_at: iso,
        created_by_id: person,
      }),
      { maxLength: 6 },
    ),
    history: fc.array(
      fc.record(
        {
          created_at: iso,
          created_by_id: fc.option(person, { nil: null }),
          attribute: fc.constantFrom('state', 'owner', 'priority', 'title'),
          value_to: fc.constantFrom(
            'open',
            'pending close',
            'closed',
            'merged',
            '-',
            'Nicole Braun',
            '3 high',
            '王 小明',
          ),
          id_to: fc.option(fc.constantFrom(1, 5, '1'), { nil: null }),
        },
        { requiredKeys: ['created_at', 'attribute'] },
      ),
      { maxLength: 4 },
    ),
  })
  .chain((t) =>
    fc.tuple(ids(t.articles.length), ids(t.history.length)).map(([articleIds, historyIds]) => ({
      ...t,
      articles: t.articles.map((a, i) => ({ ...a, id: articleIds[i] })),
      history: t.history.map((h, i) => ({ ...h, id: historyIds[i] })),
    })),
  );

const exportOf = fc.oneof(
  fc.array(zendesk, { minLength: 1, maxLength: 3 }).map((tickets) => ({ source: 'zendesk', tickets })),
  fc.array(chatwoot, { minLength: 1, maxLength: 3 }).map((tickets) => ({ source: 'chatwoot', tickets })),
  fc.array(zammad, { minLength: 1, maxLength: 3 }).map((tickets) => ({ source: 'zammad', tickets })),
);

/** The histories of an export the schema takes (every generated export is one). */
function historiesOf(body: unknown): ImportedTicket[] {
  const request: ImportRequest = parseInput(importRequestSchema, body);
  return importedTickets(request, 'support');
}

const actor = (a: string) => a.length >= 1 && a.length <= 200;
const textsOf = (t: ImportedTicket) =>
  t.entries.flatMap((e) =>
    'text' in e ? [e.text] : e.kind === 'rating' && e.comment !== undefined ? [e.comment] : [],
  );

describe('the import formats, for any body', () => {
  it('parse a request or refuse it with a 400, never another error', () => {
    const nearly = exportOf.chain((e) =>
      fc.oneof(
        fc.constant<unknown>(e),
        fc.jsonValue().map((junk) => ({ ...e, tickets: [...e.tickets, junk] })),
        fc.constantFrom<unknown>({ ...e, source: 'freshdesk' }, { ...e, tickets: [] }, { ...e, extra: 1 }),
      ),
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), nearly), (input) => {
        try {
          historiesOf(input);
        } catch (err) {
          expect(err).toBeInstanceOf(BadRequestException);
          expect((err as BadRequestException).getStatus()).toBe(400);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('make every export the schema takes a history in time order, each entry with its own key', () => {
    fc.assert(
      fc.property(exportOf, (e) => {
        for (const t of historiesOf(e)) {
          const times = t.entries.map((x) => Date.parse(x.at));
          expect(times).toEqual([...times].sort((a, b) => a - b));
          const keys = t.entries.map((x) => x.key);
          expect(new Set(keys).size).toBe(keys.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('bound every text to what its event holds, keep none empty, and name actors, groups and ratings the contracts accept', () => {
    fc.assert(
      fc.property(exportOf, (e) => {
        for (const t of historiesOf(e)) {
          expect(handle.safeParse(t.group).success).toBe(true);
          if (t.subject !== undefined) expect(t.subject.length).toBeLessThanOrEqual(TICKET_SUBJECT_MAX);
          for (const x of t.entries) {
            if (x.kind === 'customer-message' || x.kind === 'reply')
              expect([x.text.length > 0, x.text.length <= MESSAGE_TEXT_MAX]).toEqual([true, true]);
            if (x.kind === 'note')
              expect([x.text.length > 0, x.text.length <= NOTE_TEXT_MAX]).toEqual([true, true]);
            if (x.kind === 'rating') {
              expect(x.score).toBeGreaterThanOrEqual(1);
              expect(x.score).toBeLessThanOrEqual(5);
              if (x.comment !== undefined) expect(x.comment.length).toBeLessThanOrEqual(NOTE_TEXT_MAX);
            }
            if (x.kind === 'reply' || x.kind === 'note') expect(actor(x.author)).toBe(true);
            if (x.kind === 'status') expect(actor(x.by)).toBe(true);
            if (x.kind === 'assignment' && x.agentId !== undefined) expect(actor(x.agentId)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  // Found by this property and fixed (import-formats.ts, text(): `v.trim().slice(0, max)`, and the notes' `.slice(0, NOTE_TEXT_MAX)`): a
  // text cut at its bound is cut in the middle of a surrogate pair when an emoji straddles it, leaving a
  // lone surrogate that no store keeps (the rule of @journey/platform's safe text, which email-bounds'
  // truncateText follows). Counterexamples: a Zendesk comment body of 39,999 × '长' then '😀 tail' becomes
  // a customer message ending in '\uD83D'; a satisfaction comment of 9,999 × '长' then '😀 tail' likewise.
  it('keep every text safe for the stores: a cut never splits a character', () => {
    const straddling = {
      source: 'zendesk',
      tickets: [
        {
          id: 1,
          status: 'open',
          requester_id: 1,
          created_at: isoTimes[0],
          comments: [
            {
              id: 1,
              author_id: 1,
              body: `${'长'.repeat(MESSAGE_TEXT_MAX - 1)}😀 tail`,
              public: true,
              created_at: isoTimes[0],
            },
          ],
        },
      ],
    };
    const anyExport: fc.Arbitrary<unknown> = exportOf;
    fc.assert(
      fc.property(anyExport, (e) => {
        for (const t of historiesOf(e)) {
          const unsafe = [...textsOf(t), ...(t.subject !== undefined ? [t.subject] : [])].filter(
            (x) => !isSafeText(x),
          );
          expect(unsafe.map((x) => x.slice(-3))).toEqual([]);
        }
      }),
      { numRuns: 300, examples: [[straddling]] },
    );
  });
});
