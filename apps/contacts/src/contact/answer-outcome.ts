import { ConflictException, NotFoundException } from '@nestjs/common';
import type { CommandOutcome } from '@journey/eventstore';
import { CONTACT_NOT_FOUND } from './domain/contact.decider';
import type { ContactEvent } from './domain/contact.decider';

/** A command's outcome as an HTTP answer: the event types appended, or 404 / 409 with the reason. */
export function answerOutcome(outcome: CommandOutcome<ContactEvent>): { recorded: string[] } {
  if (outcome.ok) return { recorded: outcome.events.map((e) => e.type) };
  if (outcome.reason === CONTACT_NOT_FOUND) throw new NotFoundException(outcome.reason);
  throw new ConflictException(outcome.reason);
}
