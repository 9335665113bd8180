import { Injectable } from '@nestjs/common';
import { v5 as uuidv5 } from 'uuid';
import { ERASED } from '@journey/contracts';
import type { ChannelIdentity } from '@journey/contracts';
import { Contacts } from '../contact/contacts';
import { CONTACT_ERASED, identityKey } from '../contact/domain/contact.decider';
import type { Interaction, JourneyFact } from '../contact/domain/contact.decider';
import { UnifiedView } from '../unified-view/unified-view';
import { IdentityIndex } from './identity-index';

const CONTACT_NAMESPACE = 'b6a4f0f2-6c55-4c8e-8a5c-7f2d9e13a4b7';

export interface Observation {
  identities: ChannelIdentity[];
  conversationId?: string;
  name?: string;
  interaction?: Interaction;
  journeyFact?: JourneyFact;
  sourceEventId?: string;
  correlationId: string;
}

export interface Resolved {
  contactId: string;
  created: boolean;
  recorded: boolean;
}

/**
 * Finds the contact an observation belongs to, or creates one:
 * 1. the contact of its conversation, if the conversation is known;
 * 2. else the contact of an attested (verified) identity it carries;
 * 3. else a new contact, whose id derives from its first identity (two replicas creating the same
 *    customer at once create one contact).
 * An identity already held by another contact is never moved: an attested one, or a weak one,
 * becomes a merge suggestion for an agent; so does a new contact whose name another contact has.
 */
@Injectable()
export class IdentityResolution {
  constructor(
    private readonly contacts: Contacts,
    private readonly index: IdentityIndex,
    private readonly view: UnifiedView,
  ) {}

  async observe(observation: Observation): Promise<Resolved | undefined> {
    // An identity erased before this event was read (a replayed or late event) says nothing any more.
    const o = { ...observation, identities: observation.identities.filter((i) => i.value !== ERASED) };
    const known = await this.index.lookup(o.identities);
    let contactId = o.conversationId ? await this.index.contactOfConversation(o.conversationId) : undefined;
    if (!contactId)
      contactId = o.identities
        .filter((i) => i.verified)
        .map((i) => known.get(identityKey(i))?.contactId)
        .find(Boolean);
    const first = o.identities[0];
    if (!contactId && !first) return undefined; // nothing to attribute it to
    const created = !contactId;
    const seed = first ? identityKey(first) : `conversation:${o.conversationId}`;
    contactId ??= uuidv5(seed, CONTACT_NAMESPACE);

    const observe = (id: string) => {
      const own = o.identities.filter((i) => {
        const holder = known.get(identityKey(i))?.contactId;
        return holder === undefined || holder === id;
      });
      return {
        own,
        outcome: this.contacts.execute(
          id,
          {
            kind: 'observe',
            contactId: id,
            // A new contact lists every identity it was seen with; the index keeps each with its first holder.
            identities: created ? o.identities : own,
            ...(o.name ? { name: o.name } : {}),
            ...(o.sourceEventId ? { sourceEventId: o.sourceEventId } : {}),
            ...(o.interaction ? { interaction: o.interaction } : {}),
            ...(o.journeyFact ? { journeyFact: o.journeyFact } : {}),
          },
          { correlationId: o.correlationId, ...(o.sourceEventId ? { causationId: o.sourceEventId } : {}) },
        ),
      };
    };
    let attempt = observe(contactId);
    let outcome = await attempt.outcome;
    // The same customer came back after an erasure: the erased contact stays closed, and a new one
    // starts, with an id that is still the same for every replica and every redelivery.
    for (let generation = 2; created && !outcome.ok && outcome.reason === CONTACT_ERASED; generation++) {
      if (generation > 20) break;
      contactId = uuidv5(`${seed}#${generation}`, CONTACT_NAMESPACE);
      attempt = observe(contactId);
      outcome = await attempt.outcome;
    }
    if (!outcome.ok) throw new Error(outcome.reason);
    const own = attempt.own;
    const elsewhere = o.identities.filter((i) => !own.includes(i));
    for (const identity of elsewhere) {
      const other = known.get(identityKey(identity))?.contactId as string;
      await this.contacts.execute(
        contactId,
        {
          kind: 'suggest-merge',
          otherContactId: other,
          identity,
          reason: identity.verified
            ? `the attested ${identity.kind} is already on another contact`
            : `the same unverified ${identity.kind} is on another contact`,
        },
        { correlationId: o.correlationId },
      );
    }
    // A new customer whose name another contact already has: the weakest match, only a suggestion.
    if (created && o.name)
      for (const other of await this.view.contactsNamed(o.name, contactId))
        await this.contacts.execute(
          contactId,
          { kind: 'suggest-merge', otherContactId: other, reason: 'the same name is on another contact' },
          { correlationId: o.correlationId },
        );
    await this.index.remember(contactId, own, o.conversationId);
    return {
      contactId,
      created: created && outcome.events.some((e) => e.type === 'contacts.contact-created.v1'),
      recorded: outcome.events.some(
        (e) =>
          e.type === 'contacts.interaction-recorded.v1' || e.type === 'contacts.journey-event-recorded.v1',
      ),
    };
  }
}
