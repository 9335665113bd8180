import { createHash } from 'node:crypto';
import { ERASED } from '@journey/contracts';
import type { DocumentChange, ProjectedEvent, Projection } from '@journey/projections';
import { agentText } from '../../delivery/csat-survey';

/** How long the last message's excerpt is in the list. */
export const EXCERPT_MAX = 140;
/** Where a conversation stands: whose turn it is, or erased. */
export const CONVERSATION_STATUSES = ['awaiting-agent', 'awaiting-customer', 'erased'] as const;

type Data = Record<string, unknown>;
const erased = (value: unknown) => value === ERASED;
const excerpt = (text: unknown) =>
  typeof text !== 'string' || erased(text)
    ? undefined
    : text.length > EXCERPT_MAX
      ? `${text.slice(0, EXCERPT_MAX - 1)}…`
      : text;
/** A call's key in the document: provider call ids may hold characters a field name cannot. */
export const callKey = (callId: string) => createHash('sha256').update(callId).digest('hex').slice(0, 24);

/** One phase of a call: its fields under calls.<key>, and the conversation updated at `at`. */
function callChange(id: string, d: Data, at: string, fields: Record<string, unknown>): DocumentChange {
  const key = `calls.${callKey(d['callId'] as string)}`;
  const set: Record<string, unknown> = { [`${key}.callId`]: d['callId'] };
  for (const [field, value] of Object.entries(fields)) set[`${key}.${field}`] = value;
  return { id, set, max: { updatedAt: at } };
}

/**
 * The identities as the list keeps them (values lower-cased for search), none once erased. One event
 * makes one change per document, so they are merged into the event's change.
 */
function withIdentities(change: DocumentChange, identities: unknown): DocumentChange {
  const list = (
    (identities as { kind: string; value: string; verified: boolean }[] | undefined) ?? []
  ).filter((i) => !erased(i.value));
  if (list.length === 0) return change;
  return {
    ...change,
    addToSet: {
      ...change.addToSet,
      identities: { $each: list.map((i) => ({ kind: i.kind, value: i.value, verified: i.verified })) },
      searchable: { $each: list.map((i) => i.value.toLowerCase()) },
    },
  };
}

/**
 * The conversation list of the agent workspace: one document per conversation with its channel, whose
 * turn it is, when it was last updated, its last message, the contacts it was attributed to (from
 * contacts' interaction-recorded) and, for phone, its calls. Personal data (subject, excerpt,
 * identities) is left out when it reads [erased] on replay and removed by the erasure event live.
 * Recording and transcript stay in the event store (GET /v1/conversations/{id}); the list says there is one.
 */
export const conversationListProjection: Projection = {
  name: 'conversation-list',
  // 2: excerpts without the survey's link. The live path writes them so at once into the active collection;
  // `journey replay conversation-list` rewrites older ones (whose 140-character excerpts end before a survey
  // link's token anyway).
  version: 2,
  // The list: newest first, and a customer's conversations.
  indexes: [
    { key: { updatedAt: -1, _id: -1 }, name: 'by_updated' },
    { key: { contactIds: 1 }, name: 'by_contact' },
  ],
  eventTypes: [
    'channels.conversation-started.v1',
    'channels.message-received.v1',
    'channels.message-sent.v1',
    'channels.visitor-identified.v1',
    'channels.call-started.v1',
    'channels.call-answered.v1',
    'channels.call-ended.v1',
    'channels.call-recorded.v1',
    'channels.conversation-erased.v1',
    'contacts.interaction-recorded.v1',
  ],
  project(event: ProjectedEvent): DocumentChange[] {
    const d = event.data as Data;
    const id = d['conversationId'] as string;
    const where = { channel: d['channel'], channelId: d['channelId'] };
    switch (event.type) {
      case 'channels.conversation-started.v1': {
        const subject = d['subject'];
        return [
          withIdentities(
            {
              id,
              set: {
                ...where,
                ...(typeof subject === 'string' && !erased(subject) ? { subject } : {}),
                startedAt: d['startedAt'] ?? event.time,
              },
              setOnInsert: { status: 'awaiting-agent', messageCount: 0 },
              max: { updatedAt: d['startedAt'] ?? event.time },
            },
            d['identities'],
          ),
        ];
      }
      case 'channels.message-received.v1': {
        // A customer's reply may quote the survey's link: agents read and search this excerpt.
        const text = excerpt(
          typeof d['text'] === 'string' ? agentText({ from: 'customer', text: d['text'] }) : d['text'],
        );
        const at = d['receivedAt'] as string;
        return [
          withIdentities(
            {
              id,
              set: {
                ...where,
                status: 'awaiting-agent',
                lastMessage: { at, from: 'customer', ...(text !== undefined ? { excerpt: text } : {}) },
              },
              inc: { messageCount: 1 },
              max: { updatedAt: at },
            },
            d['identities'],
          ),
        ];
      }
      case 'channels.message-sent.v1': {
        const author = d['author'] as { kind: 'agent' | 'automation'; id: string };
        // The survey's link is the customer's: the list (agents read it, and search it) leaves it out.
        const text = excerpt(
          agentText({ from: author.kind, authorId: author.id, text: d['text'] as string }),
        );
        const at = d['sentAt'] as string;
        return [
          {
            id,
            set: {
              ...where,
              // An automatic reply does not answer the customer: it stays the agent's turn.
              ...(author.kind === 'agent' ? { status: 'awaiting-customer' } : {}),
              lastMessage: { at, from: author.kind, ...(text !== undefined ? { excerpt: text } : {}) },
            },
            inc: { messageCount: 1 },
            max: { updatedAt: at },
          },
        ];
      }
      case 'channels.visitor-identified.v1':
        return [withIdentities({ id, set: where, max: { updatedAt: event.time } }, d['identities'])];
      case 'channels.call-started.v1': {
        const change = callChange(id, d, d['startedAt'] as string, {
          direction: d['direction'],
          startedAt: d['startedAt'],
        });
        return [
          withIdentities(
            {
              ...change,
              set: { ...where, status: 'awaiting-agent', ...change.set },
              setOnInsert: { messageCount: 0, startedAt: d['startedAt'] },
            },
            d['identities'],
          ),
        ];
      }
      case 'channels.call-answered.v1':
        return [
          callChange(id, d, d['answeredAt'] as string, {
            answeredAt: d['answeredAt'],
            ...(d['agentId'] !== undefined ? { agentId: d['agentId'] } : {}),
          }),
        ];
      case 'channels.call-ended.v1': {
        const change = callChange(id, d, d['endedAt'] as string, {
          endedAt: d['endedAt'],
          answered: d['answered'],
          durationSeconds: d['durationSeconds'],
        });
        // A missed call is the agent's to return; an answered one was handled.
        return [
          {
            ...change,
            set: { ...change.set, status: d['answered'] ? 'awaiting-customer' : 'awaiting-agent' },
          },
        ];
      }
      case 'channels.call-recorded.v1':
        return [
          callChange(id, d, event.time, {
            ...(d['recordingUrl'] !== undefined ? { recording: true } : {}),
            ...(d['transcript'] !== undefined ? { transcript: true } : {}),
          }),
        ];
      case 'channels.conversation-erased.v1':
        return [
          {
            id,
            set: { status: 'erased', erasedAt: d['erasedAt'] },
            unset: {
              subject: true,
              'lastMessage.excerpt': true,
              identities: true,
              searchable: true,
            },
            max: { updatedAt: d['erasedAt'] },
          },
        ];
      case 'contacts.interaction-recorded.v1':
        return [{ id, addToSet: { contactIds: d['contactId'] } }];
      default:
        return [];
    }
  },
};
