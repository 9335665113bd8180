import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Collection, Document, Filter } from 'mongodb';
import { READ_MODEL_FEED } from '@journey/messaging';
import type { ReadModelFeed } from '@journey/messaging';
import { SERVICE_LOGGER } from '@journey/platform';
import type { Logger } from '@journey/platform';
import { ServedReadModels } from '@journey/projections';
import { AGENT_BOARD, ROUTING_CONTACTS, TICKET_BOARD } from '../read-models';

/** What routing knows of a contact. */
export interface RoutingContact {
  vipTier?: string;
  traits?: Record<string, string>;
  language?: string;
  previousAgents?: string[];
}

/** The tickets service's read models, fed live from Kafka, and the queries on them. */
@Injectable()
export class Boards implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly served: ServedReadModels;

  constructor(@Inject(READ_MODEL_FEED) feed: ReadModelFeed, @Inject(SERVICE_LOGGER) logger: Logger) {
    this.served = new ServedReadModels([TICKET_BOARD, AGENT_BOARD, ROUTING_CONTACTS], {
      ...feed,
      onDeadLetter: (reason, projection) => logger.error({ reason, projection }, 'event dead-lettered'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.served.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.served.stop();
  }

  tickets(): Promise<Collection<Document>> {
    return this.served.collection(TICKET_BOARD);
  }

  agents(): Promise<Collection<Document>> {
    return this.served.collection(AGENT_BOARD);
  }

  private contacts(): Promise<Collection<Document>> {
    return this.served.collection(ROUTING_CONTACTS);
  }

  async ticket(ticketId: string): Promise<Document | null> {
    return (await this.tickets()).findOne({ _id: ticketId as never });
  }

  /** Tickets waiting for an agent in a group, oldest first. */
  async queue(group: string, limit = 50): Promise<Document[]> {
    return (await this.tickets())
      .find(this.queued({ group }))
      .sort({ queuedAt: 1, openedAt: 1, _id: 1 })
      .limit(limit)
      .toArray();
  }

  queued(extra: Filter<Document> = {}): Filter<Document> {
    return {
      ...extra,
      status: { $in: ['new', 'open', 'pending', 'on-hold'] },
      assignee: { $exists: false },
      mergedInto: { $exists: false },
      erasedAt: { $exists: false },
    };
  }

  /** Groups with tickets waiting. */
  async groupsWithQueue(): Promise<string[]> {
    return (await (await this.tickets()).distinct('group', this.queued())) as string[];
  }

  async groupMembers(group: string): Promise<string[]> {
    const docs = await (
      await this.agents()
    )
      .find({ kind: 'agent', groups: group })
      .project({ agentId: 1 })
      .toArray();
    return docs.map((d) => String(d['agentId']));
  }

  async group(groupId: string): Promise<Document | null> {
    return (await this.agents()).findOne({ _id: `group:${groupId}` as never });
  }

  async vipGroups(): Promise<Document[]> {
    return (await this.agents()).find({ kind: 'group', tier: 'vip' }).toArray();
  }

  async contact(contactId: string): Promise<RoutingContact | undefined> {
    const doc = await (await this.contacts()).findOne({ _id: `contact:${contactId}` as never });
    return doc ? (doc as RoutingContact) : undefined;
  }

  async contactOfConversation(conversationId: string): Promise<string | undefined> {
    const doc = await (await this.contacts()).findOne({ _id: `conversation:${conversationId}` as never });
    return doc?.['contactId'] as string | undefined;
  }

  /** Active tickets (for recomputing SLA targets when the book changes). */
  async activeTicketIds(after?: string, limit = 500): Promise<string[]> {
    const docs = await (
      await this.tickets()
    )
      .find({
        status: { $in: ['new', 'open', 'pending', 'on-hold', 'solved'] },
        ...(after ? { _id: { $gt: after as never } } : {}),
      })
      .sort({ _id: 1 })
      .limit(limit)
      .project({ _id: 1 })
      .toArray();
    return docs.map((d) => String(d['_id']));
  }

  async ticketsOfContact(contactId: string): Promise<string[]> {
    const docs = await (await this.tickets()).find({ contactId }).project({ _id: 1 }).toArray();
    return docs.map((d) => String(d['_id']));
  }
}
