import type { TicketsEvent } from '@journey/contracts';
import type { DocumentChange, ProjectedEvent, Projection } from '@journey/projections';
import type { FactWithout } from '../domain/ticket-record';

const SOLVED = ['solved', 'closed'];
/** The tag that names a ticket's product: `product:<handle>`. */
export const PRODUCT_TAG = 'product:';

/** A ticket's product: its first `product:` tag, or `none`. */
export function productOf(tags: readonly string[]): string {
  const tag = tags.find((t) => t.startsWith(PRODUCT_TAG) && t.length > PRODUCT_TAG.length);
  return tag ? tag.slice(PRODUCT_TAG.length) : 'none';
}
/** Times as UTC ISO strings, so that ranges and sorting compare them as text. */
const utc = (at: string) => new Date(at).toISOString();

/**
 * Tickets as analytics measures them (TicketRecord): the dimensions reports cut by, and the facts,
 * appended in the stream's order. A fact carries the id of its event, so that a figure drills down to
 * the events behind it. Nothing personal is kept (no subject, text or comment), so erasure has
 * nothing to remove here. The runner's per-stream revision guard makes a redelivered event a no-op.
 */
export const ticketRecordsProjection: Projection = {
  name: 'ticket-records',
  // v2: each SLA clock's state now (clocks.<metric>), for the backlog.
  // v3: the conversation (auto-answer deflection) and the product (the product cut).
  version: 3,
  // The figures select by opening or solving time; the backlog by status.
  indexes: [
    { key: { openedAt: 1 }, name: 'by_opened' },
    { key: { solvedAt: 1 }, name: 'by_solved' },
    { key: { status: 1 }, name: 'by_status' },
    // The knowledge figures read the human replies on a conversation's tickets.
    { key: { conversationId: 1 }, name: 'by_conversation' },
  ],
  eventTypes: [
    'tickets.ticket-opened.v1',
    'tickets.ticket-updated.v1',
    'tickets.contact-linked.v1',
    'tickets.customer-message-added.v1',
    'tickets.reply-posted.v1',
    'tickets.status-changed.v1',
    'tickets.ticket-assigned.v1',
    'tickets.ticket-unassigned.v1',
    'tickets.ticket-transferred.v1',
    'tickets.ticket-escalated.v1',
    'tickets.sla-policy-applied.v1',
    'tickets.sla-clock-set.v1',
    'tickets.sla-breached.v1',
    'tickets.csat-requested.v1',
    'tickets.csat-rated.v1',
    'tickets.agent-evaluated.v1',
    'tickets.ticket-merged.v1',
  ],
  project(projected: ProjectedEvent): DocumentChange[] {
    const event = { type: projected.type, data: projected.data } as TicketsEvent;
    const e = projected.id;
    const push = (
      ticketId: string,
      fact: FactWithout<'e'>,
      set: Record<string, unknown> = {},
    ): DocumentChange[] => [
      {
        id: ticketId,
        push: { facts: { e, ...fact, at: utc(fact.at) } },
        ...(Object.keys(set).length ? { set } : {}),
      },
    ];
    switch (event.type) {
      case 'tickets.ticket-opened.v1': {
        const d = event.data;
        return [
          {
            id: d.ticketId,
            setOnInsert: { ticketId: d.ticketId, status: 'new', facts: [] },
            set: {
              openedAt: utc(d.openedAt),
              openedEvent: e,
              channel: d.origin.kind === 'conversation' ? d.origin.channel : 'none',
              ...(d.origin.kind === 'conversation' ? { conversationId: d.origin.conversationId } : {}),
              product: productOf(d.tags),
              group: d.group,
              priority: d.priority,
              ...(d.contactId ? { contactId: d.contactId } : {}),
            },
          },
        ];
      }
      case 'tickets.ticket-updated.v1': {
        const d = event.data;
        const set = {
          ...(d.priority ? { priority: d.priority } : {}),
          ...(d.tags ? { product: productOf(d.tags) } : {}),
        };
        return Object.keys(set).length ? [{ id: d.ticketId, set }] : [];
      }
      case 'tickets.contact-linked.v1':
        return [{ id: event.data.ticketId, set: { contactId: event.data.contactId } }];
      case 'tickets.customer-message-added.v1':
        return push(event.data.ticketId, { k: 'customer', at: event.data.at });
      case 'tickets.reply-posted.v1': {
        const d = event.data;
        return push(d.ticketId, {
          k: 'reply',
          at: d.at,
          by: d.authorId,
          ...(d.automated ? { bot: true } : {}),
        });
      }
      case 'tickets.status-changed.v1': {
        const d = event.data;
        const fact = { k: 'status', at: d.at, from: d.from, to: d.to, cause: d.cause, by: d.by } as const;
        const solvedNow = SOLVED.includes(d.to);
        if (solvedNow && !SOLVED.includes(d.from))
          return push(d.ticketId, fact, { status: d.to, solvedAt: utc(d.at) });
        if (!solvedNow && SOLVED.includes(d.from))
          return [
            {
              id: d.ticketId,
              push: { facts: { e, ...fact, at: utc(fact.at) } },
              set: { status: d.to },
              unset: { solvedAt: true },
            },
          ];
        return push(d.ticketId, fact, { status: d.to });
      }
      case 'tickets.ticket-assigned.v1': {
        const d = event.data;
        return push(
          d.ticketId,
          { k: 'assigned', at: d.at, agent: d.agentId, by: d.by },
          { assignee: d.agentId, group: d.group },
        );
      }
      case 'tickets.ticket-unassigned.v1': {
        // A solved or closed ticket keeps its assignee (reports credit them); a ticket queued again does not.
        const d = event.data;
        return ['solved', 'closed', 'merged'].includes(d.reason)
          ? []
          : [{ id: d.ticketId, unset: { assignee: true } }];
      }
      case 'tickets.ticket-transferred.v1': {
        const d = event.data;
        return push(
          d.ticketId,
          { k: 'transfer', at: d.at, fromGroup: d.fromGroup, toGroup: d.toGroup },
          { group: d.toGroup },
        );
      }
      case 'tickets.ticket-escalated.v1': {
        const d = event.data;
        return push(
          d.ticketId,
          { k: 'escalation', at: d.at, cause: d.cause },
          { ...(d.toGroup ? { group: d.toGroup } : {}), ...(d.priority ? { priority: d.priority } : {}) },
        );
      }
      case 'tickets.sla-policy-applied.v1': {
        const d = event.data;
        return [
          d.calendarId
            ? { id: d.ticketId, set: { calendarId: d.calendarId } }
            : { id: d.ticketId, unset: { calendarId: true } },
        ];
      }
      case 'tickets.sla-clock-set.v1': {
        const d = event.data;
        const clock = {
          cycle: d.cycle,
          state: d.state,
          ...(d.state === 'running' && d.dueAt ? { dueAt: utc(d.dueAt) } : {}),
        };
        const set = { [`clocks.${d.metric}`]: clock };
        return d.state === 'achieved'
          ? push(
              d.ticketId,
              { k: 'sla', at: d.at, metric: d.metric, cycle: d.cycle, outcome: 'achieved' },
              set,
            )
          : [{ id: d.ticketId, set }];
      }
      case 'tickets.sla-breached.v1': {
        const d = event.data;
        return push(d.ticketId, {
          k: 'sla',
          at: d.at,
          metric: d.metric,
          cycle: d.cycle,
          outcome: 'breached',
        });
      }
      case 'tickets.csat-requested.v1':
        return push(event.data.ticketId, { k: 'survey', at: event.data.at, survey: event.data.surveyId });
      case 'tickets.csat-rated.v1': {
        const d = event.data;
        return push(d.ticketId, {
          k: 'rating',
          at: d.at,
          survey: d.surveyId,
          score: d.score,
          ...(d.agentId ? { agent: d.agentId } : {}),
        });
      }
      case 'tickets.agent-evaluated.v1': {
        const d = event.data;
        return push(d.ticketId, {
          k: 'evaluation',
          at: d.at,
          evaluation: d.evaluationId,
          agent: d.agentId,
          percent: d.percent,
        });
      }
      case 'tickets.ticket-merged.v1':
        return [{ id: event.data.ticketId, set: { merged: true } }];
      default:
        return [];
    }
  },
};
