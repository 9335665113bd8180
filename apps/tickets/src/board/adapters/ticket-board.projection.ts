import { ERASED } from '@journey/contracts';
import type { DocumentChange, ProjectedEvent, Projection } from '@journey/projections';

type Data = Record<string, unknown>;
const clear = (value: unknown) => (value === ERASED || value === undefined ? undefined : value);
/** Only the fields that are there (and not erased). */
const present = (fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => clear(v) !== undefined));

/** One line of a ticket's timeline. */
const line = (event: ProjectedEvent, kind: string, fields: Record<string, unknown> = {}) => ({
  eventId: event.id,
  at: (event.data as Data)['at'] ?? (event.data as Data)['openedAt'] ?? event.time,
  kind,
  ...present(fields),
});

/**
 * The ticket board: one document per ticket with what the queues, the search and the ticket page need
 * (status, group, assignee, priority, SLA clocks with their due times, reply delivery) and its timeline:
 * customer messages (excerpts), replies, internal notes, status changes, assignments with their
 * reasons, transfers and escalations with their notes, SLA warnings and breaches, the rating, the
 * supervisors' evaluations.
 */
export const ticketBoardProjection: Projection = {
  name: 'ticket-board',
  version: 3,
  // The ticket search: newest first, the queue oldest first, by assignee, by customer.
  indexes: [
    { key: { updatedAt: -1, _id: 1 }, name: 'by_updated' },
    { key: { openedAt: 1, _id: 1 }, name: 'by_opened' },
    { key: { assignee: 1, status: 1 }, name: 'by_assignee' },
    { key: { contactId: 1 }, name: 'by_contact' },
    // A group's queue, oldest first; the SLA recomputation walks the active tickets by id.
    { key: { group: 1, queuedAt: 1, openedAt: 1, _id: 1 }, name: 'by_queue' },
    { key: { status: 1, _id: 1 }, name: 'by_status' },
    { key: { tags: 1 }, name: 'by_tag' },
  ],
  eventTypes: [
    'tickets.ticket-opened.v1',
    'tickets.ticket-updated.v1',
    'tickets.contact-linked.v1',
    'tickets.customer-message-added.v1',
    'tickets.reply-posted.v1',
    'tickets.reply-delivered.v1',
    'tickets.reply-delivery-failed.v1',
    'tickets.note-added.v1',
    'tickets.status-changed.v1',
    'tickets.ticket-assigned.v1',
    'tickets.ticket-unassigned.v1',
    'tickets.ticket-transferred.v1',
    'tickets.ticket-escalated.v1',
    'tickets.sla-policy-applied.v1',
    'tickets.sla-clock-set.v1',
    'tickets.sla-warned.v1',
    'tickets.sla-breached.v1',
    'tickets.csat-requested.v1',
    'tickets.csat-rated.v1',
    'tickets.agent-evaluated.v1',
    'tickets.ticket-merged.v1',
    'tickets.ticket-absorbed.v1',
    'tickets.ticket-erased.v1',
  ],
  project(event: ProjectedEvent): DocumentChange[] {
    const d = event.data as Data;
    const id = d['ticketId'] as string;
    const at = (d['at'] as string | undefined) ?? event.time;
    const touch = { max: { updatedAt: at } };
    switch (event.type) {
      case 'tickets.ticket-opened.v1': {
        const origin = d['origin'] as Data;
        return [
          {
            id,
            set: present({
              ticketId: id,
              origin,
              channel: origin['channel'],
              channelId: origin['channelId'],
              conversationId: origin['conversationId'],
              subject: d['subject'],
              customFields: typeof d['customFields'] === 'object' ? d['customFields'] : undefined,
              contactId: d['contactId'],
              priority: d['priority'],
              type: d['type'],
              group: d['group'],
              tags: d['tags'],
              skills: d['skills'],
              language: d['language'],
              openedAt: d['openedAt'],
              // Its place in the queue: an imported ticket queues from when it was imported (the
              // envelope's time), not from its opening years ago, so it never jumps live customers.
              queuedAt: origin['kind'] === 'import' ? event.time : d['openedAt'],
            }),
            setOnInsert: { status: 'new', breaches: 0 },
            max: { updatedAt: d['openedAt'] },
            push: { timeline: line(event, 'opened', { by: d['openedBy'], origin: origin['kind'] }) },
          },
        ];
      }
      case 'tickets.ticket-updated.v1': {
        const { ticketId: _t, by, at: _a, ...fields } = d;
        return [
          {
            id,
            set: present(fields),
            ...touch,
            push: { timeline: line(event, 'updated', { by, fields: Object.keys(fields).sort() }) },
          },
        ];
      }
      case 'tickets.contact-linked.v1':
        return [{ id, set: { contactId: d['contactId'] } }];
      case 'tickets.customer-message-added.v1':
        return [
          {
            id,
            set: { lastCustomerMessageAt: at, awaiting: 'agent' },
            ...touch,
            push: {
              timeline: line(event, 'customer-message', { messageId: d['messageId'], excerpt: d['excerpt'] }),
            },
          },
        ];
      case 'tickets.reply-posted.v1':
        return [
          {
            id,
            set: {
              [`replies.${d['replyId'] as string}`]: { delivery: 'pending' },
              awaiting: 'customer',
              lastReplyAt: at,
            },
            ...touch,
            push: {
              timeline: line(event, 'reply', {
                replyId: d['replyId'],
                authorId: d['authorId'],
                text: d['text'],
                channel: d['channel'],
              }),
            },
          },
        ];
      case 'tickets.reply-delivered.v1':
        return [{ id, set: { [`replies.${d['replyId'] as string}.delivery`]: 'delivered' } }];
      case 'tickets.reply-delivery-failed.v1':
        return [
          {
            id,
            set: present({
              [`replies.${d['replyId'] as string}.delivery`]: 'failed',
              [`replies.${d['replyId'] as string}.lastFailure`]: d['reason'],
            }),
          },
        ];
      case 'tickets.note-added.v1':
        return [
          {
            id,
            ...touch,
            push: {
              timeline: line(event, 'note', {
                noteId: d['noteId'],
                authorId: d['authorId'],
                text: d['text'],
              }),
            },
          },
        ];
      case 'tickets.status-changed.v1':
        return [
          {
            id,
            set: present({
              status: d['to'],
              ...(d['to'] === 'solved' ? { solvedAt: at, closesAt: d['closesAt'] } : {}),
              ...(d['to'] === 'closed' ? { closedAt: at } : {}),
            }),
            ...touch,
            push: {
              timeline: line(event, 'status', {
                from: d['from'],
                to: d['to'],
                cause: d['cause'],
                by: d['by'],
              }),
            },
          },
        ];
      case 'tickets.ticket-assigned.v1':
        return [
          {
            id,
            set: {
              assignee: d['agentId'],
              lastAssignee: d['agentId'],
              assignedAt: at,
              ...present({ assignmentReasons: d['reasons'] }),
            },
            ...touch,
            push: {
              timeline: line(event, 'assigned', {
                agentId: d['agentId'],
                by: d['by'],
                reasons: d['reasons'],
              }),
            },
          },
        ];
      case 'tickets.ticket-unassigned.v1':
        return [
          {
            id,
            unset: { assignee: true },
            ...touch,
            push: { timeline: line(event, 'unassigned', { agentId: d['agentId'], reason: d['reason'] }) },
          },
        ];
      case 'tickets.ticket-transferred.v1':
        return [
          {
            id,
            set: { group: d['toGroup'] },
            ...touch,
            push: {
              timeline: line(event, 'transferred', {
                fromGroup: d['fromGroup'],
                toGroup: d['toGroup'],
                fromAgentId: d['fromAgentId'],
                toAgentId: d['toAgentId'],
                note: d['note'],
                by: d['by'],
              }),
            },
          },
        ];
      case 'tickets.ticket-escalated.v1':
        return [
          {
            id,
            set: present({ group: d['toGroup'], priority: d['priority'] }),
            ...touch,
            push: {
              timeline: line(event, 'escalated', {
                fromGroup: d['fromGroup'],
                toGroup: d['toGroup'],
                priority: d['priority'],
                cause: d['cause'],
                metric: d['metric'],
                notify: d['notify'],
                note: d['note'],
                by: d['by'],
              }),
            },
          },
        ];
      case 'tickets.sla-policy-applied.v1':
        return [
          {
            id,
            set: {
              sla: present({ policyId: d['policyId'], calendarId: d['calendarId'], targets: d['targets'] }),
            },
          },
        ];
      case 'tickets.sla-clock-set.v1': {
        const key = `clocks.${d['metric'] as string}`;
        return [
          {
            id,
            set: {
              [`${key}.state`]: d['state'],
              [`${key}.cycle`]: d['cycle'],
              [`${key}.targetMinutes`]: d['targetMinutes'],
              [`${key}.elapsedSeconds`]: d['elapsedSeconds'],
              [`${key}.dueAt`]: d['state'] === 'running' ? (d['dueAt'] ?? null) : null,
              [`${key}.warnAt`]: d['state'] === 'running' ? (d['warnAt'] ?? null) : null,
            },
          },
        ];
      }
      case 'tickets.sla-warned.v1':
        return [
          { id, push: { timeline: line(event, 'sla-warning', { metric: d['metric'], dueAt: d['dueAt'] }) } },
        ];
      case 'tickets.sla-breached.v1':
        return [
          {
            id,
            inc: { breaches: 1 },
            push: { timeline: line(event, 'sla-breach', { metric: d['metric'], dueAt: d['dueAt'] }) },
          },
        ];
      case 'tickets.csat-requested.v1':
        return [
          { id, set: { csat: { surveyId: d['surveyId'], requestedAt: at, expiresAt: d['expiresAt'] } } },
        ];
      case 'tickets.csat-rated.v1':
        return [
          {
            id,
            set: present({ 'csat.score': d['score'], 'csat.comment': d['comment'], 'csat.ratedAt': at }),
            push: { timeline: line(event, 'rated', { score: d['score'], comment: d['comment'] }) },
          },
        ];
      case 'tickets.agent-evaluated.v1':
        return [
          {
            id,
            // One per supervisor: a later evaluation from them replaces theirs.
            set: {
              [`evaluations.${d['evaluationId'] as string}`]: present({
                agentId: d['agentId'],
                rubric: d['rubric'],
                scores: d['scores'],
                percent: d['percent'],
                by: d['by'],
                at,
              }),
            },
            push: {
              // The comment may quote the customer: on the timeline line, where erasure removes it.
              timeline: line(event, 'evaluated', {
                agentId: d['agentId'],
                rubric: d['rubric'],
                percent: d['percent'],
                comment: d['comment'],
                by: d['by'],
              }),
            },
          },
        ];
      case 'tickets.ticket-merged.v1':
        return [
          {
            id,
            set: { mergedInto: d['intoTicketId'] },
            push: { timeline: line(event, 'merged', { into: d['intoTicketId'], by: d['by'] }) },
          },
        ];
      case 'tickets.ticket-absorbed.v1':
        return [
          {
            id,
            push: { timeline: line(event, 'absorbed', { ticketId: d['mergedTicketId'], by: d['by'] }) },
          },
        ];
      case 'tickets.ticket-erased.v1':
        return [
          {
            id,
            set: { erasedAt: d['erasedAt'] },
            unset: {
              subject: true,
              customFields: true,
              'csat.comment': true,
              'timeline.$[].excerpt': true,
              'timeline.$[].text': true,
              'timeline.$[].note': true,
              'timeline.$[].comment': true,
            },
          },
        ];
      default:
        return [];
    }
  },
};
