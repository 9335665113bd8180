import { ConflictException, Inject, Injectable } from '@nestjs/common';
import type { ChannelIdentity } from '@journey/contracts';
import type { AggregateCaches, PersonalDataProtection } from '@journey/eventstore';
import { AGGREGATE_CACHES, PERSONAL_DATA } from '@journey/messaging';
import { Contacts, contactStream } from '../contact/contacts';
import { identityKey, MERGE_IN_PROGRESS, MERGE_LOCK_MS } from '../contact/domain/contact.decider';
import { conversationKey, IdentityRegistry } from '../identity-resolution/identity-registry';
import { ContactMerges } from '../merge/contact-merges';

export interface ErasureReport {
  /** The contact and every contact merged into it: one customer. */
  contacts: string[];
  conversations: number;
  keysDeleted: number;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Right to erasure by crypto-shredding, decided from the event store:
 * 1. the customer is the contact and every contact merged into it, as the store says now (a merge
 *    made a moment ago counts; one in progress is waited for);
 * 2. each of them records the erasure, listing its conversations: from then on it takes nothing new,
 *    and channels, acting on that event, erases those conversations (their keys and their threads);
 * 3. the identity registry forgets their identities (a returning customer starts afresh) and closes
 *    their conversations (a message of one still on its way is attributed to nobody);
 * 4. the contacts' data keys are deleted, so every personal field of every event about them (store,
 *    Kafka, replays) reads as [erased].
 * Asking again repeats steps 3 and 4 and records nothing new.
 */
@Injectable()
export class PersonalDataErasure {
  constructor(
    private readonly contacts: Contacts,
    private readonly merges: ContactMerges,
    private readonly registry: IdentityRegistry,
    @Inject(PERSONAL_DATA) private readonly protection: PersonalDataProtection,
    @Inject(AGGREGATE_CACHES) private readonly caches: AggregateCaches,
  ) {}

  async erase(contactId: string, by: string, correlationId: string): Promise<ErasureReport | undefined> {
    if (!(await this.contacts.exists(contactId))) return undefined;
    // Longer than a crashed merge's lock, so that one never makes the erasure give up.
    const deadline = Date.now() + MERGE_LOCK_MS + 10_000;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      if (attempt > 0) await pause(Math.min(1_000, 50 * attempt));
      const members = [contactId, ...(await this.merges.membersOf(contactId))];
      const erased: { id: string; identities: ChannelIdentity[]; conversationIds: string[] }[] = [];
      let busy = false;
      for (const id of members) {
        const outcome = await this.contacts.execute(
          id,
          { kind: 'erase', by, erasedAt: new Date().toISOString() },
          { correlationId },
        );
        if (!outcome.ok) {
          if (outcome.reason !== MERGE_IN_PROGRESS) throw new Error(outcome.reason);
          busy = true;
          break;
        }
        // The identities and conversations of the state the erasure was decided on: nothing linked
        // a moment before it is missed. (Asked again, the identities read as erased: nothing to release.)
        erased.push({
          id,
          identities: outcome.state.identities,
          conversationIds: [...outcome.state.conversations],
        });
      }
      if (busy) continue;
      // Erased, so no merge can join them any more; one that joined a moment before is erased too.
      const now = await this.merges.membersOf(contactId);
      if (now.some((m) => !members.includes(m))) continue;
      for (const e of erased) {
        for (const identity of e.identities)
          await this.registry.release(identityKey(identity), e.id, false, correlationId);
        for (const conversationId of e.conversationIds)
          await this.registry.release(conversationKey(conversationId), e.id, true, correlationId);
      }
      const keysDeleted = await this.protection.erase(members.map(contactStream));
      // Nothing opened before the erasure stays in memory (the states commands start from); other
      // replicas drop theirs within AGGREGATE_CACHE_TTL_MS, and decide on the erased state meanwhile.
      this.caches.forget();
      return {
        contacts: members,
        conversations: erased.reduce((n, e) => n + e.conversationIds.length, 0),
        keysDeleted,
      };
    }
    throw new ConflictException('merges of this customer kept changing; try again in a moment');
  }
}
