import type { Collection, Document } from 'mongodb';

/** How many contacts one lookup asks for. */
const CONTACTS_PER_LOOKUP = 500;
/** How far a merge is followed to its survivor. */
const MERGE_HOPS = 5;

interface Entry {
  vipTier?: string;
  survivorId?: string;
}

/** Contacts as reports see them now: the customer a merged contact counts as, and its VIP tier. */
export interface ContactDirectory {
  /** The contact a merged one counts as now (itself when it was not merged). */
  survivorOf(contactId: string): string;
  /** The VIP tier of the contact's survivor. */
  vipTierOf(contactId: string): string | undefined;
}

/** Reads the contacts (and the survivors their merges lead to) from the report-contacts read model. */
export async function readContacts(
  contacts: Collection<Document>,
  contactIds: readonly string[],
): Promise<ContactDirectory> {
  const known = new Map<string, Entry>();
  let wanted = [...new Set(contactIds)];
  for (let hop = 0; hop <= MERGE_HOPS && wanted.length; hop++) {
    const next: string[] = [];
    for (let i = 0; i < wanted.length; i += CONTACTS_PER_LOOKUP) {
      const ids = wanted.slice(i, i + CONTACTS_PER_LOOKUP);
      for (const doc of await contacts.find({ _id: { $in: ids as never[] } }).toArray()) {
        const entry: Entry = {
          ...(doc['vipTier'] ? { vipTier: String(doc['vipTier']) } : {}),
          ...(doc['survivorId'] ? { survivorId: String(doc['survivorId']) } : {}),
        };
        known.set(String(doc['_id']), entry);
        if (entry.survivorId && !known.has(entry.survivorId)) next.push(entry.survivorId);
      }
    }
    wanted = next;
  }
  const survivorOf = (contactId: string) => {
    let id = contactId;
    for (let hop = 0; hop <= MERGE_HOPS; hop++) {
      const next = known.get(id)?.survivorId;
      if (!next) return id;
      id = next;
    }
    return id;
  };
  return { survivorOf, vipTierOf: (contactId) => known.get(survivorOf(contactId))?.vipTier };
}

/** The contacts merged into these (directly or through a chain of merges), the given ones included. */
export async function mergedInto(
  contacts: Collection<Document>,
  survivorIds: readonly string[],
): Promise<string[]> {
  const all = new Set(survivorIds);
  let wanted = [...all];
  for (let hop = 0; hop <= MERGE_HOPS && wanted.length; hop++) {
    const next: string[] = [];
    for (let i = 0; i < wanted.length; i += CONTACTS_PER_LOOKUP) {
      const ids = wanted.slice(i, i + CONTACTS_PER_LOOKUP);
      for (const doc of await contacts
        .find({ survivorId: { $in: ids } }, { projection: { _id: 1 } })
        .toArray()) {
        const id = String(doc['_id']);
        if (!all.has(id)) {
          all.add(id);
          next.push(id);
        }
      }
    }
    wanted = next;
  }
  return [...all].sort();
}
