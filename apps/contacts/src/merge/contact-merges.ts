import { Injectable } from '@nestjs/common';
import { Contacts } from '../contact/contacts';
import { CONTACT_ERASED, MERGE_IN_PROGRESS, NOT_A_ROOT } from '../contact/domain/contact.decider';

/** How deep a merge chain may go before the store is taken to be inconsistent. */
const CHAIN_MAX = 64;
/** How many times a merge that met another one in progress is tried again. */
const BUSY_TRIES = 12;

export type MergeOutcome =
  { ok: true; survivorId: string; merged: boolean } | { ok: false; status: 404 | 409; reason: string };

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Merges decided from the event store, never from the view that lags. A merge of X into Y runs in
 * three appends: Y (a root) records that it starts absorbing X, which closes Y to being merged or
 * erased meanwhile; X records that it is merged into Y, which X refuses while something is being
 * merged into X; Y records that the merge finished. Because the survivor is a root that cannot move
 * while X joins it, no set of merges, however concurrent, closes a loop: of two opposite merges at
 * once one waits for the other, which then answers 409. A crash mid-merge leaves Y closed for at most
 * MERGE_LOCK_MS.
 */
@Injectable()
export class ContactMerges {
  constructor(private readonly contacts: Contacts) {}

  /** The contact at the end of the contact's merge chain (itself when it is not merged). */
  async rootOf(contactId: string): Promise<string> {
    let id = contactId;
    const seen = new Set([id]);
    for (let depth = 0; depth < CHAIN_MAX; depth++) {
      const next = (await this.contacts.state(id)).mergedInto;
      if (!next) return id;
      if (seen.has(next)) throw new Error(`the merges of ${contactId} form a loop through ${next}`);
      seen.add(next);
      id = next;
    }
    throw new Error(`the merge chain of ${contactId} is longer than ${CHAIN_MAX}`);
  }

  /** Every contact merged into this one, directly or through others, as the store has it now. */
  async membersOf(contactId: string): Promise<string[]> {
    const members: string[] = [];
    const queue = [contactId];
    const seen = new Set(queue);
    while (queue.length) {
      const id = queue.shift() as string;
      for (const candidate of (await this.contacts.state(id)).mergeCandidates) {
        if (seen.has(candidate)) continue;
        if ((await this.contacts.state(candidate)).mergedInto !== id) continue;
        seen.add(candidate);
        members.push(candidate);
        queue.push(candidate);
      }
    }
    return members;
  }

  /**
   * Merges the contact into the survivor's root. `follow` (identity resolution) merges the contact's
   * own root instead of refusing a contact that is merged already.
   */
  async merge(
    contactId: string,
    survivorId: string,
    options: { by: string; correlationId: string; follow?: boolean },
  ): Promise<MergeOutcome> {
    const meta = { correlationId: options.correlationId };
    for (let attempt = 0; attempt < BUSY_TRIES; attempt++) {
      if (attempt > 0) await pause(20 + Math.random() * 30 * attempt);
      const mergedId = options.follow ? await this.rootOf(contactId) : contactId;
      const root = await this.rootOf(survivorId);
      if (root === mergedId)
        return options.follow
          ? { ok: true, survivorId: root, merged: false }
          : {
              ok: false,
              status: 409,
              reason: 'the survivor is merged into this contact: that would make a loop',
            };
      if ((await this.contacts.state(mergedId)).mergedInto === root)
        return { ok: true, survivorId: root, merged: false };
      const now = new Date().toISOString();
      const started = await this.contacts.execute(
        root,
        { kind: 'start-merge', mergedId, by: options.by, now },
        meta,
      );
      if (!started.ok) {
        if (started.reason === MERGE_IN_PROGRESS || started.reason.startsWith(NOT_A_ROOT)) continue;
        return {
          ok: false,
          status: started.reason === CONTACT_ERASED ? 409 : 404,
          reason: survivorProblem(started.reason),
        };
      }
      const joined = await this.contacts.execute(
        mergedId,
        {
          kind: 'merge-into',
          survivorId: root,
          by: options.by,
          now: new Date().toISOString(),
          ...(started.state.mergeLock ? { survivorLockUntil: started.state.mergeLock.until } : {}),
        },
        meta,
      );
      await this.contacts.execute(root, { kind: 'finish-merge', mergedId, merged: joined.ok }, meta);
      if (joined.ok) return { ok: true, survivorId: root, merged: joined.events.length > 0 };
      if (joined.reason === MERGE_IN_PROGRESS) continue;
      return { ok: false, status: joined.reason === 'contact not found' ? 404 : 409, reason: joined.reason };
    }
    return { ok: false, status: 409, reason: MERGE_IN_PROGRESS };
  }
}

function survivorProblem(reason: string): string {
  if (reason === CONTACT_ERASED) return "the survivor's personal data was erased";
  if (reason === 'contact not found') return 'the survivor is not a contact';
  return reason;
}
