import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Collection, Document, Filter } from 'mongodb';
import { READ_MODEL_FEED } from '@journey/messaging';
import type { ReadModelFeed } from '@journey/messaging';
import { escapeRegExp, SERVICE_LOGGER } from '@journey/platform';
import type { Logger } from '@journey/platform';
import { servedFields, ServedReadModels } from '@journey/projections';
import { CUSTOMER_TIMELINE, UNIFIED_VIEW } from '../read-models';
import { nameKeyOf } from './adapters/unified-view.projection';
import { customerView } from './customer-view';
import type { CustomerView, TimelineEntry } from './customer-view';

/** How deep merges may nest (a contact merged into one that was merged into another…). */
const MAX_MERGE_DEPTH = 10;

/** Where a page of a timeline starts: after this entry, in the timeline's order. */
export interface TimelineCursor {
  at: string;
  rank: number;
  seq: number;
  id: string;
}

/** The timeline's order: time, a conversation's start before its first message, the stream's order. */
const OLDEST_FIRST = { at: 1, rank: 1, seq: 1, _id: 1 } as const;
const NEWEST_FIRST = { at: -1, rank: -1, seq: -1, _id: -1 } as const;
const CURSOR_MAX = 512;

/** A cursor from an earlier page (opaque to clients), or undefined when it is not one. */
export function parseTimelineCursor(text: string): TimelineCursor | undefined {
  if (text.length === 0 || text.length > CURSOR_MAX) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 4) return undefined;
    const [at, rank, seq, id] = parsed as unknown[];
    return typeof at === 'string' &&
      Number.isInteger(rank) &&
      Number.isSafeInteger(seq) &&
      typeof id === 'string'
      ? { at, rank: rank as number, seq: seq as number, id }
      : undefined;
  } catch {
    return undefined;
  }
}

const cursorOf = (doc: Document) =>
  Buffer.from(JSON.stringify([doc['at'], doc['rank'], doc['seq'], String(doc['_id'])])).toString('base64url');

/**
 * An entry as served: its fields without the writer's bookkeeping and the fields that order it. An entry of
 * an erased contact is served without the customer's words even before the erasure has reached it (a
 * ticket's note or comment goes when tickets erases the ticket, a moment later).
 */
function timelineEntry(doc: Document, erased: ReadonlySet<string>): TimelineEntry {
  const { rank: _rank, seq: _seq, ...entry } = servedFields(doc);
  if (erased.has(String(entry['contactId']))) {
    delete entry['summary'];
    delete entry['details'];
  }
  return entry as TimelineEntry;
}

/** The timeline entries of a group's contacts (a contact and those merged into it). */
const entriesOf = (docs: Document[]): Filter<Document> => ({
  contactId: { $in: docs.map((d) => String(d['_id'])) },
});

/** The contacts of a group whose personal data was erased. */
const erasedOf = (docs: Document[]) =>
  new Set(docs.filter((d) => d['erasedAt'] !== undefined).map((d) => String(d['_id'])));

/**
 * The unified customer view: fed live from journey.contacts.v1 (the profile, one document per contact)
 * and from journey.contacts.v1 and journey.tickets.v1 (the timeline, one document per entry), read by
 * the contacts API.
 */
@Injectable()
export class UnifiedView implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly served: ServedReadModels;

  constructor(@Inject(READ_MODEL_FEED) feed: ReadModelFeed, @Inject(SERVICE_LOGGER) logger: Logger) {
    this.served = new ServedReadModels([UNIFIED_VIEW, CUSTOMER_TIMELINE], {
      ...feed,
      onDeadLetter: (reason, projection) =>
        logger.error({ reason, projection }, 'unified view: event dead-lettered'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.served.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.served.stop();
  }

  private collection(): Promise<Collection<Document>> {
    return this.served.collection(UNIFIED_VIEW);
  }

  private entries(): Promise<Collection<Document>> {
    return this.served.collection(CUSTOMER_TIMELINE);
  }

  /** The contact's document, then those of every contact merged into it (breadth first). */
  private async group(contactId: string): Promise<Document[] | undefined> {
    const collection = await this.collection();
    const root = await collection.findOne({ _id: contactId as never });
    if (!root) return undefined;
    const docs = [root];
    const seen = new Set([contactId]);
    let frontier = (root['mergedContacts'] as string[] | undefined) ?? [];
    for (let depth = 0; frontier.length && depth < MAX_MERGE_DEPTH; depth++) {
      const next = (
        await collection.find({ _id: { $in: frontier.filter((id) => !seen.has(id)) as never[] } }).toArray()
      )
        // A merged contact whose link was undone meanwhile is not part of the group.
        .filter((d) => d['mergedInto'] !== undefined && seen.has(d['mergedInto'] as string));
      for (const d of next) seen.add(String(d['_id']));
      docs.push(...next);
      frontier = next.flatMap((d) => (d['mergedContacts'] as string[] | undefined) ?? []);
    }
    return docs;
  }

  async view(contactId: string, recent = 20): Promise<CustomerView | undefined> {
    const docs = await this.group(contactId);
    if (!docs) return undefined;
    const entries = await this.entries();
    const mine = entriesOf(docs);
    const [latest, size] = await Promise.all([
      recent > 0 ? entries.find(mine).sort(NEWEST_FIRST).limit(recent).toArray() : [],
      entries.countDocuments(mine),
    ]);
    const erased = erasedOf(docs);
    return customerView(docs, { recent: latest.map((d) => timelineEntry(d, erased)), size });
  }

  /** The contact that stands for the customer: the end of its merge links. */
  async survivorOf(contactId: string): Promise<string> {
    const collection = await this.collection();
    let current = contactId;
    for (let depth = 0; depth < MAX_MERGE_DEPTH; depth++) {
      const doc = await collection.findOne({ _id: current as never }, { projection: { mergedInto: 1 } });
      const next = doc?.['mergedInto'] as string | undefined;
      if (!next) return current;
      current = next;
    }
    return current;
  }

  /** The contacts merged into this one (directly or not): erasure covers them too. */
  async mergedInto(contactId: string): Promise<string[]> {
    return ((await this.group(contactId)) ?? []).slice(1).map((d) => String(d['_id']));
  }

  /** The timeline oldest first, a page at a time; the cursor is where the next page starts. */
  async timeline(
    contactId: string,
    after: TimelineCursor | undefined,
    limit: number,
  ): Promise<{ entries: TimelineEntry[]; nextCursor?: string } | undefined> {
    const docs = await this.group(contactId);
    if (!docs) return undefined;
    const filter = entriesOf(docs);
    if (after)
      filter['$or'] = [
        { at: { $gt: after.at } },
        { at: after.at, rank: { $gt: after.rank } },
        { at: after.at, rank: after.rank, seq: { $gt: after.seq } },
        { at: after.at, rank: after.rank, seq: after.seq, _id: { $gt: after.id as never } },
      ];
    const found = await (
      await this.entries()
    )
      .find(filter)
      .sort(OLDEST_FIRST)
      .limit(limit + 1)
      .toArray();
    const page = found.slice(0, limit);
    const last = page[page.length - 1];
    const erased = erasedOf(docs);
    return {
      entries: page.map((d) => timelineEntry(d, erased)),
      ...(found.length > limit && last ? { nextCursor: cursorOf(last) } : {}),
    };
  }

  /** Other contacts with exactly this name (any case or width): a weak match, worth a merge suggestion. */
  async contactsNamed(name: string, except: string): Promise<string[]> {
    const found = await (
      await this.collection()
    )
      .find(
        { nameKey: nameKeyOf(name), erasedAt: { $exists: false }, _id: { $ne: except as never } },
        { projection: { _id: 1 } },
      )
      .limit(5)
      .toArray();
    return found.map((d) => String(d['_id']));
  }

  /** Contacts whose name contains the text (any case), surviving ones first, erased ones never. */
  async searchByName(text: string, limit: number) {
    const pattern = escapeRegExp(text);
    const found = await (
      await this.collection()
    )
      .find(
        { name: { $regex: pattern, $options: 'i' }, erasedAt: { $exists: false } },
        { projection: { name: 1, vipTier: 1, lastContactAt: 1, mergedInto: 1 } },
      )
      .limit(limit * 2)
      .toArray();
    return found
      .map((d) => ({
        contactId: String(d['_id']),
        name: d['name'] as string,
        vipTier: (d['vipTier'] as string | undefined) ?? 'standard',
        ...(d['lastContactAt'] ? { lastContactAt: d['lastContactAt'] as string } : {}),
        ...(d['mergedInto'] ? { mergedInto: d['mergedInto'] as string } : {}),
      }))
      .sort((a, b) => Number('mergedInto' in a) - Number('mergedInto' in b))
      .slice(0, limit);
  }
}
