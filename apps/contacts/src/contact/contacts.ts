import { Inject, Injectable } from '@nestjs/common';
import { journeyCatalogue } from '@journey/contracts';
import { handleCommand } from '@journey/eventstore';
import type { CommandOutcome, EventStore } from '@journey/eventstore';
import { EVENT_STORE } from '@journey/messaging';
import { contactDecider } from './domain/contact.decider';
import type { ContactCommand, ContactEvent, ContactState } from './domain/contact.decider';

export const contactStream = (contactId: string) => `contact-${contactId}`;

/** The contact use cases' one way to the event store: decide, validate, append. */
@Injectable()
export class Contacts {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  execute(
    contactId: string,
    command: ContactCommand,
    options: { correlationId: string; causationId?: string },
  ): Promise<CommandOutcome<ContactEvent, ContactState>> {
    return handleCommand(this.store, contactStream(contactId), contactDecider, command, {
      metadata: {
        source: 'contacts',
        contactId,
        correlationId: options.correlationId,
        ...(options.causationId ? { causationId: options.causationId } : {}),
        schemaVersion: 1,
      },
      validate: (e) => journeyCatalogue.check(e.type, e.data),
    });
  }

  async events(contactId: string) {
    return this.store.readStream(contactStream(contactId));
  }

  /** The contact's state as the store has it now (the decider's fold of its stream). */
  async state(contactId: string): Promise<ContactState> {
    const events = await this.store.readStream(contactStream(contactId));
    return events.reduce(
      (s, e) => contactDecider.evolve(s, { type: e.type, data: e.data } as ContactEvent),
      contactDecider.initialState(),
    );
  }

  async exists(contactId: string): Promise<boolean> {
    return (await this.store.streamRevision(contactStream(contactId))) !== undefined;
  }

  /** The conversations the contact's interactions happened in, or undefined for an unknown contact. */
  async conversationsOf(contactId: string): Promise<string[] | undefined> {
    const events = await this.store.readStream(contactStream(contactId));
    if (events.length === 0) return undefined;
    const ids = new Set<string>();
    for (const e of events)
      if (e.type === 'contacts.interaction-recorded.v1')
        ids.add((e.data as { conversationId: string }).conversationId);
    return [...ids];
  }
}
