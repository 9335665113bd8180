/**
 * A ticket as analytics keeps it: the dimensions reports cut by (as they are now) and the facts its
 * figures are measured from, in the order of the ticket's stream. No personal data: times, ids of
 * agents, groups and surveys, scores — never a subject, a message or a comment.
 */
export interface TicketRecord {
  ticketId: string;
  openedAt: string;
  /** The id of the ticket-opened event. */
  openedEvent?: string;
  /** The conversation's channel, or `none` for a ticket opened by an agent, the API or a rule. */
  channel: string;
  group: string;
  priority: string;
  /** The first `product:<handle>` tag's handle, or `none` (absent on records built before v3). */
  product?: string;
  /** The conversation the ticket was opened from. */
  conversationId?: string;
  contactId?: string;
  assignee?: string;
  status: string;
  /** The last solve, while the ticket is solved or closed. */
  solvedAt?: string;
  /** The business-hours calendar of the SLA policy that holds for the ticket. */
  calendarId?: string;
  merged?: boolean;
  /** Each SLA clock as it stands now (what the backlog's breaching-soon and open breaches read). */
  clocks?: Partial<Record<string, SlaClock>>;
  facts: TicketFact[];
}

/** An SLA clock of a ticket now: its cycle, state and (while it runs) when it breaches. */
export interface SlaClock {
  cycle: number;
  state: 'running' | 'paused' | 'achieved' | 'stopped';
  dueAt?: string;
}

/** `e` is the id of the event the fact came from (what a drill-down lists). */
export type TicketFact = { e: string; at: string } & (
  | { k: 'customer' }
  | { k: 'reply'; by: string; bot?: true }
  | { k: 'status'; from: string; to: string; cause: string; by: string }
  | { k: 'assigned'; agent: string; by: string }
  | { k: 'transfer'; fromGroup: string; toGroup: string }
  | { k: 'escalation'; cause: string }
  | { k: 'sla'; metric: string; cycle: number; outcome: 'achieved' | 'breached' }
  | { k: 'survey'; survey: string }
  | { k: 'rating'; survey: string; score: number; agent?: string }
  | { k: 'evaluation'; evaluation: string; agent: string; percent: number }
);

export type TicketFactKind = TicketFact['k'];

/** A fact without some of its fields (Omit over each kind of the union keeps each kind's own fields). */
export type FactWithout<K extends 'e' | 'at'> = TicketFact extends infer F
  ? F extends TicketFact
    ? Omit<F, K>
    : never
  : never;
