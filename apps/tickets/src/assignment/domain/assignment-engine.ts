import type { AgentPresence, AssignmentReasons } from '@journey/contracts';
import type { CapacityChannel } from '../../agent/domain/agent.decider';

/** A ticket waiting for an agent, with what routing knows of its customer. */
export interface QueuedTicket {
  ticketId: string;
  group: string;
  channel: CapacityChannel;
  skills: readonly string[];
  language?: string;
  queuedAt: string;
  contact?: {
    vipTier?: string;
    traits?: Readonly<Record<string, string>>;
    previousAgents?: readonly string[];
  };
}

/** An agent as routing sees them: profile, presence and what they hold per channel. */
export interface AgentCandidate {
  agentId: string;
  groups: readonly string[];
  skills: readonly string[];
  languages: readonly string[];
  channels: readonly string[];
  capacity: Readonly<Record<string, number>>;
  traits: Readonly<Record<string, string>>;
  presence: AgentPresence;
  load: Readonly<Record<string, number>>;
  /**
   * The claims the agent's stream holds, ticket id → channel (each counted in `load`). A ticket still
   * queued while an agent holds its claim is being assigned (by another replica, or a pass that failed
   * between its two appends and is tried again): that claim is not counted against the ticket itself.
   */
  claims?: Readonly<Record<string, string>>;
  /** Member of a group that serves premium tiers (the VIP desk). */
  vipDesk: boolean;
}

/** The weight of each reason, so that a supervisor can read a score. */
export const WEIGHTS = {
  skills: 30,
  language: 15,
  channel: 10,
  vip: 15,
  trait: 8,
  traitsMax: 24,
  sticky: 20,
  load: 20,
};
const PREMIUM = new Set(['gold', 'platinum']);

const capacityOf = (a: AgentCandidate, channel: CapacityChannel) =>
  (channel === 'none' ? undefined : a.capacity[channel]) ?? a.capacity['default'] ?? 0;
/** What the agent holds on the ticket's channel, its claim on this very ticket left out. */
const loadOf = (a: AgentCandidate, ticket: QueuedTicket) =>
  (a.load[ticket.channel] ?? 0) - (a.claims?.[ticket.ticketId] === ticket.channel ? 1 : 0);
const round = (n: number) => Math.round(n * 100) / 100;
const sameLanguage = (a: string, b: string) =>
  a.toLowerCase().split('-')[0] === b.toLowerCase().split('-')[0];

/** Whether the agent may take the ticket at all: online, in its group, with a free slot on its channel. */
export function eligible(ticket: QueuedTicket, agent: AgentCandidate): boolean {
  return (
    agent.presence === 'online' &&
    agent.groups.includes(ticket.group) &&
    loadOf(agent, ticket) < capacityOf(agent, ticket.channel)
  );
}

/** The score of one agent for one ticket, with a reason per part that counted. */
export function score(ticket: QueuedTicket, agent: AgentCandidate): Omit<AssignmentReasons, 'runnersUp'> {
  const explanations: string[] = [];
  const required = ticket.skills;
  const matched = required.filter((s) => agent.skills.includes(s));
  const skills = required.length ? (WEIGHTS.skills * matched.length) / required.length : 0;
  if (required.length)
    explanations.push(
      `skills ${matched.length}/${required.length}${matched.length ? `: ${matched.join(', ')}` : ''}`,
    );
  const language =
    ticket.language && agent.languages.some((l) => sameLanguage(l, ticket.language as string))
      ? WEIGHTS.language
      : 0;
  if (language) explanations.push(`speaks ${ticket.language}`);
  const channel = ticket.channel !== 'none' && agent.channels.includes(ticket.channel) ? WEIGHTS.channel : 0;
  if (channel) explanations.push(`specialises in ${ticket.channel}`);
  const tier = ticket.contact?.vipTier;
  const vip = tier && PREMIUM.has(tier) && agent.vipDesk ? WEIGHTS.vip : 0;
  if (vip) explanations.push(`${tier} customer to the VIP desk`);
  const customerTraits = ticket.contact?.traits ?? {};
  const shared = Object.keys(customerTraits)
    .filter(
      (k) =>
        agent.traits[k] !== undefined && agent.traits[k]?.toLowerCase() === customerTraits[k]?.toLowerCase(),
    )
    .sort();
  const traits = Math.min(WEIGHTS.traitsMax, shared.length * WEIGHTS.trait);
  // Trait names only: their values are the customer's personal data.
  if (shared.length) explanations.push(`shares traits: ${shared.join(', ')}`);
  const sticky = ticket.contact?.previousAgents?.includes(agent.agentId) ? WEIGHTS.sticky : 0;
  if (sticky) explanations.push('served this customer before');
  const capacity = capacityOf(agent, ticket.channel);
  const used = loadOf(agent, ticket);
  const load = capacity > 0 ? WEIGHTS.load * (1 - used / capacity) : 0;
  explanations.push(`load ${used}/${capacity}`);
  const components = {
    skills: round(skills),
    language,
    channel,
    vip,
    traits,
    sticky,
    load: round(load),
  };
  const total = round(Object.values(components).reduce((a, b) => a + b, 0));
  return { score: total, components, explanations };
}

/** Eligible agents for a ticket, best first (ties: lighter load, then agent id), with their reasons. */
export function rankCandidates(
  ticket: QueuedTicket,
  agents: readonly AgentCandidate[],
): { agentId: string; reasons: AssignmentReasons }[] {
  const scored = agents
    .filter((a) => eligible(ticket, a))
    .map((a) => ({ agent: a, s: score(ticket, a) }))
    .sort(
      (x, y) =>
        y.s.score - x.s.score ||
        loadOf(x.agent, ticket) - loadOf(y.agent, ticket) ||
        x.agent.agentId.localeCompare(y.agent.agentId),
    );
  return scored.map(({ agent, s }, i) => ({
    agentId: agent.agentId,
    reasons: {
      ...s,
      runnersUp: scored
        .filter((_, j) => j !== i)
        .slice(0, 3)
        .map((o) => ({ agentId: o.agent.agentId, score: o.s.score })),
    },
  }));
}

export interface PlannedAssignment {
  ticketId: string;
  agentId: string;
  reasons: AssignmentReasons;
}

/**
 * Who takes what, oldest ticket first: each ticket goes to its best eligible agent, whose load is
 * counted before the next ticket is placed, so one pass never plans past anyone's capacity. A
 * ticket nobody can take stays queued.
 */
export function planAssignments(
  queue: readonly QueuedTicket[],
  agents: readonly AgentCandidate[],
): PlannedAssignment[] {
  const working = agents.map((a) => ({ ...a, load: { ...a.load } }));
  const ordered = [...queue].sort(
    (a, b) => a.queuedAt.localeCompare(b.queuedAt) || a.ticketId.localeCompare(b.ticketId),
  );
  const plan: PlannedAssignment[] = [];
  for (const ticket of ordered) {
    const [best] = rankCandidates(ticket, working);
    if (!best) continue;
    plan.push({ ticketId: ticket.ticketId, agentId: best.agentId, reasons: best.reasons });
    const agent = working.find((a) => a.agentId === best.agentId) as (typeof working)[number];
    if (agent.claims?.[ticket.ticketId] !== ticket.channel)
      agent.load[ticket.channel] = (agent.load[ticket.channel] ?? 0) + 1;
  }
  return plan;
}
