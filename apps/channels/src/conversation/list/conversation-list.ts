import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Collection, Document, Filter } from 'mongodb';
import { z } from 'zod';
import { CHANNELS } from '@journey/contracts';
import { READ_MODEL_FEED } from '@journey/messaging';
import type { ReadModelFeed } from '@journey/messaging';
import { escapeRegExp, SERVICE_LOGGER } from '@journey/platform';
import type { Logger } from '@journey/platform';
import { ServedReadModel } from '@journey/projections';
import { CONVERSATION_LIST } from '../../read-models';
import { CONVERSATION_STATUSES } from '../adapters/conversation-list.projection';

const cursorOf = (updatedAt: string, id: string) => Buffer.from(`${updatedAt}|${id}`).toString('base64url');
function fromCursor(cursor: string): { updatedAt: string; id: string } {
  const [updatedAt, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!updatedAt || !id || Number.isNaN(Date.parse(updatedAt)))
    throw new BadRequestException('invalid cursor: pass the nextCursor of the previous page as it is');
  return { updatedAt, id };
}

/** The list's filters, as the query string gives them. */
export const conversationQuerySchema = z
  .object({
    channel: z.enum(CHANNELS).optional(),
    channelId: z.string().min(1).max(100).optional(),
    status: z.enum(CONVERSATION_STATUSES).optional(),
    contact: z
      .string()
      .max(20 * 37)
      .transform((v) => v.split(','))
      .pipe(z.array(z.uuid()).min(1).max(20))
      .optional()
      .describe('one contact id, or several comma-separated (a contact and those merged into it)'),
    updatedSince: z.iso.datetime({ offset: true }).optional(),
    q: z
      .string()
      .trim()
      .min(2)
      .max(200)
      .optional()
      .describe('words in the subject, the last message or an identity (email, phone…), any case'),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(500).optional(),
  })
  .strict();
export type ConversationQuery = z.infer<typeof conversationQuerySchema>;

export interface ConversationSummary {
  conversationId: string;
  channel: string;
  channelId: string;
  status: string;
  startedAt?: string;
  updatedAt: string;
  subject?: string;
  lastMessage?: { at: string; from: string; excerpt?: string };
  messageCount: number;
  identities: { kind: string; value: string; verified: boolean }[];
  contactIds: string[];
  calls?: {
    callId: string;
    direction?: string;
    startedAt?: string;
    answeredAt?: string;
    agentId?: string;
    endedAt?: string;
    answered?: boolean;
    durationSeconds?: number;
    recording: boolean;
    transcript: boolean;
  }[];
}

function summary(doc: Document): ConversationSummary {
  const calls = Object.values((doc['calls'] as Record<string, Document> | undefined) ?? {})
    .map((c) => ({
      callId: String(c['callId']),
      ...(c['direction'] ? { direction: String(c['direction']) } : {}),
      ...(c['startedAt'] ? { startedAt: String(c['startedAt']) } : {}),
      ...(c['answeredAt'] ? { answeredAt: String(c['answeredAt']) } : {}),
      ...(c['agentId'] ? { agentId: String(c['agentId']) } : {}),
      ...(c['endedAt'] ? { endedAt: String(c['endedAt']) } : {}),
      ...(c['answered'] !== undefined ? { answered: Boolean(c['answered']) } : {}),
      ...(c['durationSeconds'] !== undefined ? { durationSeconds: Number(c['durationSeconds']) } : {}),
      recording: c['recording'] === true,
      transcript: c['transcript'] === true,
    }))
    .sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? ''));
  return {
    conversationId: String(doc['_id']),
    channel: String(doc['channel']),
    channelId: String(doc['channelId']),
    status: String(doc['status'] ?? 'awaiting-agent'),
    ...(doc['startedAt'] ? { startedAt: String(doc['startedAt']) } : {}),
    updatedAt: String(doc['updatedAt']),
    ...(doc['subject'] ? { subject: String(doc['subject']) } : {}),
    ...(doc['lastMessage'] ? { lastMessage: doc['lastMessage'] as ConversationSummary['lastMessage'] } : {}),
    messageCount: Number(doc['messageCount'] ?? 0),
    identities: (doc['identities'] as ConversationSummary['identities'] | undefined) ?? [],
    contactIds: (doc['contactIds'] as string[] | undefined) ?? [],
    ...(calls.length ? { calls } : {}),
  };
}

/** The conversation list: fed live from journey.channels.v1 and journey.contacts.v1, read by the API. */
@Injectable()
export class ConversationList implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly served: ServedReadModel;

  constructor(@Inject(READ_MODEL_FEED) feed: ReadModelFeed, @Inject(SERVICE_LOGGER) logger: Logger) {
    this.served = new ServedReadModel(CONVERSATION_LIST, {
      ...feed,
      onDeadLetter: (reason) => logger.error({ reason }, 'conversation list: event dead-lettered'),
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

  /** A page of conversations, the most recently updated first; nextCursor continues after it. */
  async list(
    query: ConversationQuery,
  ): Promise<{ conversations: ConversationSummary[]; nextCursor?: string }> {
    // A document the contacts topic created before its conversation's own events arrived is not listed yet.
    const and: Filter<Document>[] = [{ channel: { $exists: true } }, { updatedAt: { $exists: true } }];
    if (query.channel) and.push({ channel: query.channel });
    if (query.channelId) and.push({ channelId: query.channelId });
    if (query.status) and.push({ status: query.status });
    if (query.contact) and.push({ contactIds: { $in: query.contact } });
    if (query.updatedSince) and.push({ updatedAt: { $gte: new Date(query.updatedSince).toISOString() } });
    if (query.q) {
      const pattern = { $regex: escapeRegExp(query.q), $options: 'i' };
      and.push({
        $or: [{ subject: pattern }, { 'lastMessage.excerpt': pattern }, { searchable: pattern }],
      });
    }
    if (query.cursor) {
      const after = fromCursor(query.cursor);
      and.push({
        $or: [
          { updatedAt: { $lt: after.updatedAt } },
          { updatedAt: after.updatedAt, _id: { $lt: after.id as never } },
        ],
      });
    }
    const docs = await (
      await this.collection()
    )
      .find({ $and: and })
      .sort({ updatedAt: -1, _id: -1 })
      .limit(query.limit + 1)
      .toArray();
    const page = docs.slice(0, query.limit).map(summary);
    const last = page[page.length - 1];
    return {
      conversations: page,
      ...(docs.length > query.limit && last
        ? { nextCursor: cursorOf(last.updatedAt, last.conversationId) }
        : {}),
    };
  }
}
