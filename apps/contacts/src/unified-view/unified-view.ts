import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Db, Document } from 'mongodb';
import { MESSAGE_BUS } from '@journey/messaging';
import type { MessageBus } from '@journey/messaging';
import { InfrastructureConnections, SERVICE_CONFIG } from '@journey/platform';
import type { ServiceConfig } from '@journey/platform';
import { LiveProjection, ProjectionState } from '@journey/projections';
import { STAGES, unifiedViewProjection } from './unified-view.projection';

export interface TimelineEntry {
  eventId: string;
  at: string;
  kind: string;
  [field: string]: unknown;
}

export interface CustomerView {
  contactId: string;
  name?: string;
  identities: { kind: string; value: string; verified: boolean }[];
  stage: (typeof STAGES)[number];
  channels: string[];
  lastContactAt?: string;
  mergeSuggestions: { otherContactId: string; reason: string }[];
  timelineSize: number;
  recent: TimelineEntry[];
}

// A conversation's start shares its first message's moment and goes first; ties otherwise keep the
// order the contact recorded them in.
const rank = (e: TimelineEntry) => (e.kind === 'conversation-started' ? 0 : 1);
const inOrder = (timeline: TimelineEntry[]) =>
  timeline
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => a.entry.at.localeCompare(b.entry.at) || rank(a.entry) - rank(b.entry) || a.i - b.i)
    .map((x) => x.entry);

/** The unified customer view: fed live from journey.contacts.v1, read by the contacts API. */
@Injectable()
export class UnifiedView implements OnApplicationBootstrap, OnModuleDestroy {
  private live: LiveProjection | undefined;

  constructor(
    @Inject(InfrastructureConnections) private readonly connections: InfrastructureConnections,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  private async db(): Promise<Db> {
    // mongoose bundles its own copy of the driver; the two Db types describe the same object.
    return (await this.connections.readModelDb()) as unknown as Db;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.live = new LiveProjection({
      projection: unifiedViewProjection,
      bus: this.bus,
      db: await this.db(),
      topics: ['journey.contacts.v1'],
      groupId: `${this.config.kafka.consumerGroup}-unified-view`,
    });
    await this.live.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.live?.stop();
  }

  private async document(contactId: string): Promise<Document | null> {
    const db = await this.db();
    const collection = await new ProjectionState(db).active(
      unifiedViewProjection.name,
      unifiedViewProjection.version,
    );
    return db.collection(collection).findOne({ _id: contactId as never });
  }

  async view(contactId: string, recent = 20): Promise<CustomerView | undefined> {
    const doc = await this.document(contactId);
    if (!doc) return undefined;
    const timeline = inOrder((doc['timeline'] as TimelineEntry[] | undefined) ?? []);
    // One entry per identity: the attested form wins over a claimed one.
    const identities = new Map<string, { kind: string; value: string; verified: boolean }>();
    for (const i of (doc['identities'] as { kind: string; value: string; verified: boolean }[] | undefined) ??
      []) {
      const key = `${i.kind}:${i.value.toLowerCase()}`;
      if (!identities.get(key)?.verified) identities.set(key, i);
    }
    return {
      contactId,
      ...(doc['name'] ? { name: doc['name'] as string } : {}),
      identities: [...identities.values()],
      stage: STAGES[Number(doc['stageRank'] ?? 0)] ?? 'pre-sale',
      channels: ((doc['channels'] as string[] | undefined) ?? []).sort(),
      ...(doc['lastContactAt'] ? { lastContactAt: doc['lastContactAt'] as string } : {}),
      mergeSuggestions: (doc['mergeSuggestions'] as CustomerView['mergeSuggestions'] | undefined) ?? [],
      timelineSize: timeline.length,
      recent: timeline.slice(-recent).reverse(),
    };
  }

  /** The timeline oldest first, a page at a time; the cursor is where the next page starts. */
  async timeline(
    contactId: string,
    cursor: number,
    limit: number,
  ): Promise<{ entries: TimelineEntry[]; nextCursor?: string } | undefined> {
    const doc = await this.document(contactId);
    if (!doc) return undefined;
    const timeline = inOrder((doc['timeline'] as TimelineEntry[] | undefined) ?? []);
    const entries = timeline.slice(cursor, cursor + limit);
    return { entries, ...(cursor + limit < timeline.length ? { nextCursor: String(cursor + limit) } : {}) };
  }
}
