import { randomUUID } from 'node:crypto';
import { journeyCatalogue } from '@journey/contracts';
import type { KnowledgeEvent } from '@journey/contracts';
import type { NewEvent } from '@journey/eventstore';

/**
 * A knowledge fact as the event store takes it: checked against its contract (an invalid one is a bug
 * and is never stored), at its own time, with the customer it concerns in the envelope when known.
 */
export function toNewEvent(event: KnowledgeEvent, correlationId: string): NewEvent {
  const problem = journeyCatalogue.check(event.type, event.data);
  if (problem) throw new Error(`knowledge: refusing an invalid event: ${problem}`);
  const contactId = 'contactId' in event.data ? event.data.contactId : undefined;
  return {
    id: randomUUID(),
    type: event.type,
    data: event.data,
    metadata: {
      source: 'knowledge',
      correlationId,
      schemaVersion: 1,
      time: event.data.at,
      ...(contactId ? { contactId } : {}),
    },
  };
}
