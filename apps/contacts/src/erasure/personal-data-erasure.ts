import { Inject, Injectable } from '@nestjs/common';
import type { PersonalDataProtection } from '@journey/eventstore';
import { PERSONAL_DATA } from '@journey/messaging';
import { Contacts } from '../contact/contacts';
import { IdentityIndex } from '../identity-resolution/identity-index';
import { UnifiedView } from '../unified-view/unified-view';

export interface ErasureReport {
  /** The contact and every contact merged into it: one customer. */
  contacts: string[];
  conversations: number;
  keysDeleted: number;
}

/**
 * Right to erasure by crypto-shredding: records the erasure on each of the customer's contacts,
 * then deletes the data keys of those contacts and of their conversations, so every personal field
 * of every event about them (store, Kafka, replays) reads as [erased]; the identity index forgets
 * them. Asking again repeats the deletions and records nothing new.
 */
@Injectable()
export class PersonalDataErasure {
  constructor(
    private readonly contacts: Contacts,
    private readonly view: UnifiedView,
    private readonly index: IdentityIndex,
    @Inject(PERSONAL_DATA) private readonly protection: PersonalDataProtection,
  ) {}

  async erase(contactId: string, by: string, correlationId: string): Promise<ErasureReport | undefined> {
    const members = [contactId, ...(await this.view.mergedInto(contactId))];
    const subjects: string[] = [];
    let conversations = 0;
    for (const id of members) {
      // The store, not the view, says which conversations hold the customer's words.
      const conversationIds = await this.contacts.conversationsOf(id);
      if (conversationIds === undefined) {
        if (id === contactId) return undefined;
        continue;
      }
      const outcome = await this.contacts.execute(
        id,
        { kind: 'erase', conversationIds, by, erasedAt: new Date().toISOString() },
        { correlationId },
      );
      if (!outcome.ok) throw new Error(outcome.reason);
      subjects.push(`contact-${id}`, ...conversationIds.map((c) => `conversation-${c}`));
      conversations += conversationIds.length;
    }
    const keysDeleted = await this.protection.erase(subjects);
    await this.index.forget(members);
    return { contacts: members, conversations, keysDeleted };
  }
}
