import { Inject, Injectable } from '@nestjs/common';
import { journeyCatalogue } from '@journey/contracts';
import { confirmedSince, handleCommand, loadState, loadStates } from '@journey/eventstore';
import type { AggregateCaches, CommandOutcome, EventStore } from '@journey/eventstore';
import { AGGREGATE_CACHES, EVENT_STORE } from '@journey/messaging';
import { contactDecider } from './domain/contact.decider';
import type { ContactCommand, ContactEvent, ContactState } from './domain/contact.decider';

export const contactStream = (contactId: string) => `contact-${contactId}`;

/** The contact use cases' one way to the event store: decide, validate, append. */
@Injectable()
export class Contacts {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AGGREGATE_CACHES) private readonly caches: AggregateCaches,
  ) {}

  execute(
    contactId: string,
    command: ContactCommand,
    options: { correlationId: string; causationId?: string; freshSince?: number },
  ): Promise<CommandOutcome<ContactEvent, ContactState>> {
    return handleCommand(this.store, contactStream(contactId), contactDecider, command, {
      metadata: {
        source: 'contacts',
        contactId,
        correlationId: options.correlationId,
        ...(options.causationId ? { causationId: options.causationId } : {}),
        schemaVersion: 1,
      },
      cache: this.caches.for<ContactState>('contact'),
      validate: (e) => journeyCatalogue.check(e.type, e.data),
      ...(options.freshSince === undefined ? {} : { freshSince: options.freshSince }),
    });
  }

  /** Whether the store showed this contact's state at or after `since` (a batch's prefetch, or a command since). */
  confirmedSince(contactId: string, since: number): boolean {
    return confirmedSince(this.caches.for<ContactState>('contact')?.get(contactStream(contactId)), since);
  }

  /** Reads these contacts' streams together into the cache (one round trip), for a batch's commands. */
  async prefetch(contactIds: readonly string[]): Promise<void> {
    const cache = this.caches.for<ContactState>('contact');
    if (cache) await loadStates(this.store, contactIds.map(contactStream), contactDecider, cache);
  }

  async events(contactId: string) {
    return this.store.readStream(contactStream(contactId));
  }

  /** The contact's state as the store has it now (the decider's fold of its stream). */
  async state(contactId: string): Promise<ContactState> {
    const cache = this.caches.for<ContactState>('contact');
    return (await loadState(this.store, contactStream(contactId), contactDecider, cache)).state;
  }

  async exists(contactId: string): Promise<boolean> {
    return (await this.store.streamRevision(contactStream(contactId))) !== undefined;
  }
}
