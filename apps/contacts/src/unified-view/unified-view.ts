import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Collection, Document } from 'mongodb';
import { READ_MODEL_FEED } from '@journey/messaging';
import type { ReadModelFeed } from '@journey/messaging';
import { escapeRegExp, SERVICE_LOGGER } from '@journey/platform';
import type { Logger } from '@journey/platform';
import { ServedReadModel } from '@journey/projections';
import { UNIFIED_VIEW } from '../read-models';
import { customerView, mergedTimeline } from './customer-view';
import type { CustomerView, TimelineEntry } from './customer-view';

/** How deep merges may nest (a contact merged into one that was merged into another…). */
const MAX_MERGE_DEPTH = 10;

/** The unified customer view: fed live from journey.contacts.v1, read by the contacts API. */
@Injectable()
export class UnifiedView implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly served: ServedReadModel;

  constructor(@Inject(READ_MODEL_FEED) feed: ReadModelFeed, @Inject(SERVICE_LOGGER) logger: Logger) {
    this.served = new ServedReadModel(UNIFIED_VIEW, {
      ...feed,
      onDeadLetter: (reason) => logger.error({ reason }, 'unified view: event dead-lettered'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.served.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.served.stop();
  }

  private collection(): Promise<Collection<Document>> {
    return this.served.collection();
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
    return docs ? customerView(docs, recent) : undefined;
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
    cursor: number,
    limit: number,
  ): Promise<{ entries: TimelineEntry[]; nextCursor?: string } | undefined> {
    const docs = await this.group(contactId);
    if (!docs) return undefined;
    const timeline = mergedTimeline(docs);
    const entries = timeline.slice(cursor, cursor + limit);
    return { entries, ...(cursor + limit < timeline.length ? { nextCursor: String(cursor + limit) } : {}) };
  }

  /** Other contacts with exactly this name (any case): a weak match, worth a merge suggestion. */
  async contactsNamed(name: string, except: string): Promise<string[]> {
    const pattern = `^${escapeRegExp(name.trim())}$`;
    const found = await (
      await this.collection()
    )
      .find(
        {
          name: { $regex: pattern, $options: 'i' },
          erasedAt: { $exists: false },
          _id: { $ne: except as never },
        },
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
