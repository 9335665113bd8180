import type { TicketRecord } from './ticket-record';

/** What a backlog is cut by (an open ticket's agent is its assignee, or `unassigned`). */
export const BACKLOG_CUTS = ['agent', 'group', 'channel', 'priority', 'vipTier', 'status'] as const;
export type BacklogCut = (typeof BACKLOG_CUTS)[number];

/** Statuses a ticket waits in; solved and closed tickets are not backlog. */
export const WAITING_STATUSES = ['new', 'open', 'pending', 'on-hold'] as const;

/** An open SLA breach: a target missed on a clock that has not been achieved or stopped since. */
export interface OpenBreach {
  ticketId: string;
  group: string;
  metric: string;
  /** When the target was (or is, for a timer not fired yet) due. */
  dueAt?: string;
}

export interface BacklogRow {
  key: Partial<Record<BacklogCut, string>>;
  /** Tickets waiting now. */
  open: number;
  unassigned: number;
  /** Age since opening, in calendar seconds. */
  ageMedian: number;
  ageP90: number;
  ageMax: number;
  /** Tickets with at least one breached target still open, and the open breaches themselves. */
  breachedTickets: number;
  breaches: number;
  /** Tickets whose next running target is due within the horizon (and not yet missed). */
  dueSoon: number;
  /** Seconds until the earliest running target of the row falls due (null when none runs). */
  nextBreachIn: number | null;
}

export interface Backlog {
  at: string;
  dueSoonSeconds: number;
  rows: BacklogRow[];
}

/** A ticket waiting now: solved, closed and merged tickets, and tickets whose opening was never seen, are not. */
export const isWaiting = (r: TicketRecord): boolean =>
  !r.merged && r.openedAt !== undefined && (WAITING_STATUSES as readonly string[]).includes(r.status);

/**
 * The open breaches of a waiting ticket: each metric whose clock still runs (or is paused) in a cycle
 * that `tickets.sla-breached` fired for, or whose running clock is already past its due time (the
 * timer's event may still be on its way).
 */
export function openBreaches(r: TicketRecord, now: number): OpenBreach[] {
  if (!isWaiting(r)) return [];
  const fired = new Set(
    r.facts.flatMap((f) => (f.k === 'sla' && f.outcome === 'breached' ? [`${f.metric}#${f.cycle}`] : [])),
  );
  const breaches: OpenBreach[] = [];
  for (const [metric, clock] of Object.entries(r.clocks ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (!clock || (clock.state !== 'running' && clock.state !== 'paused')) continue;
    const overdue = clock.state === 'running' && clock.dueAt !== undefined && Date.parse(clock.dueAt) <= now;
    if (fired.has(`${metric}#${clock.cycle}`) || overdue)
      breaches.push({
        ticketId: r.ticketId,
        group: r.group,
        metric,
        ...(clock.dueAt ? { dueAt: clock.dueAt } : {}),
      });
  }
  return breaches;
}

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number);

/**
 * The backlog now: the waiting tickets per cut, how old they are, their open breaches and the targets
 * about to fall due. Rows are ordered by key and tickets counted in id order, so the same records
 * always give the same answer.
 */
export function computeBacklog(
  records: readonly TicketRecord[],
  options: {
    now: string;
    by: readonly BacklogCut[];
    dueSoonSeconds: number;
    vipTierOf(contactId: string): string | undefined;
  },
): Backlog {
  const now = Date.parse(options.now);
  const groups = new Map<string, { key: BacklogRow['key']; tickets: TicketRecord[] }>();
  for (const r of [...records].filter(isWaiting).sort((a, b) => a.ticketId.localeCompare(b.ticketId))) {
    const values: Record<BacklogCut, string> = {
      agent: r.assignee ?? 'unassigned',
      group: r.group,
      channel: r.channel,
      priority: r.priority,
      vipTier: (r.contactId && options.vipTierOf(r.contactId)) || 'none',
      status: r.status,
    };
    const key = Object.fromEntries(options.by.map((c) => [c, values[c]])) as BacklogRow['key'];
    const id = JSON.stringify(options.by.map((c) => values[c]));
    const group = groups.get(id) ?? { key, tickets: [] };
    group.tickets.push(r);
    groups.set(id, group);
  }
  const rows = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { key, tickets }]): BacklogRow => {
      const ages = tickets
        .map((t) => Math.max(0, Math.round((now - Date.parse(t.openedAt)) / 1000)))
        .sort((a, b) => a - b);
      let breachedTickets = 0;
      let breaches = 0;
      let dueSoon = 0;
      let nextDue: number | undefined;
      for (const t of tickets) {
        const open = openBreaches(t, now);
        breaches += open.length;
        if (open.length) breachedTickets++;
        const missed = new Set(open.map((b) => b.metric));
        const running = Object.entries(t.clocks ?? {}).flatMap(([metric, c]) =>
          c?.state === 'running' && c.dueAt && !missed.has(metric) ? [Date.parse(c.dueAt)] : [],
        );
        const earliest = running.length ? Math.min(...running) : undefined;
        if (earliest === undefined) continue;
        if (earliest - now <= options.dueSoonSeconds * 1000) dueSoon++;
        nextDue = nextDue === undefined ? earliest : Math.min(nextDue, earliest);
      }
      return {
        key,
        open: tickets.length,
        unassigned: tickets.filter((t) => !t.assignee).length,
        ageMedian: quantile(ages, 0.5),
        ageP90: quantile(ages, 0.9),
        ageMax: ages.at(-1) ?? 0,
        breachedTickets,
        breaches,
        dueSoon,
        nextBreachIn: nextDue === undefined ? null : Math.max(0, Math.round((nextDue - now) / 1000)),
      };
    });
  return { at: new Date(now).toISOString(), dueSoonSeconds: options.dueSoonSeconds, rows };
}
