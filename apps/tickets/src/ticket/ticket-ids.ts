import { v5 as uuidv5 } from 'uuid';

const NAMESPACE = '4f7a1c2e-8b3d-4e6f-9a1b-2c3d4e5f6a7b';

export const ticketStream = (ticketId: string) => `ticket-${ticketId}`;
export const agentStream = (agentId: string) => `agent-${agentId}`;
export const groupStream = (groupId: string) => `agent-group-${groupId}`;
export const SLA_BOOK_STREAM = 'sla-policy-book';
export const PROACTIVE_RULES_STREAM = 'proactive-rules';
export const MACROS_STREAM = 'macros';

/**
 * The ticket of a conversation, per generation: the first, then a new one each time the previous
 * closed. Derived from the conversation id (random or keyed, never from personal data), so every
 * replica and every redelivery names the same ticket.
 */
export const conversationTicketId = (conversationId: string, generation: number) =>
  uuidv5(`conversation:${conversationId}:${generation}`, NAMESPACE);

/** The ticket a proactive rule opens for one journey fact: reported twice, it opens one ticket. */
export const proactiveTicketId = (ruleId: string, contactId: string, externalId: string) =>
  uuidv5(`proactive:${ruleId}:${contactId}:${externalId}`, NAMESPACE);

/** An id derived from a command key, so a retried command appends nothing twice. */
export const derivedId = (key: string) => uuidv5(key, NAMESPACE);
