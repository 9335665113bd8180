import { Inject, Injectable } from '@nestjs/common';
import type { Document } from 'mongodb';
import { AnalyticsReadModels } from '../analytics-read-models';
import { JOURNEY_FACTS, KNOWLEDGE_FACTS, REPORT_CONTACTS, TICKET_RECORDS } from '../read-models';
import { mergedInto, readContacts } from '../figures/report-contacts';
import type { TicketRecord } from '../figures/domain/ticket-record';
import { computeJourneyFigures, journeyDrillDown } from './domain/journey-figures';
import type {
  ConversationFact,
  JourneyDrillable,
  JourneyDrillEntry,
  JourneyQuery,
  JourneyRow,
  OrderFact,
} from './domain/journey-figures';
import { computeKnowledgeFigures, contentGaps, knowledgeDrillDown } from './domain/knowledge-figures';
import type {
  ContentGap,
  HumanReplies,
  KnowledgeDrillable,
  KnowledgeDrillEntry,
  KnowledgeFact,
  KnowledgeQuery,
  KnowledgeRow,
} from './domain/knowledge-figures';

/** How many ids one `$in` lookup carries. */
const IDS_PER_LOOKUP = 500;

const utcRange = (from: string, to: string) => ({
  $gte: new Date(from).toISOString(),
  $lt: new Date(to).toISOString(),
});

function withoutMongoFields<T>(doc: Document): T {
  const { _id, _v, _g, ...rest } = doc;
  void _v;
  void _g;
  return { id: String(_id), ...rest } as T;
}

/**
 * The journey figures (channel mix and switches, pre-sale conversion, post-sale contacts) and the
 * knowledge figures (auto-answer deflection and hand-offs, views, searches that found nothing,
 * feedback), measured on request from the journey-facts and knowledge-facts read models.
 */
@Injectable()
export class JourneyReports {
  constructor(@Inject(AnalyticsReadModels) private readonly served: AnalyticsReadModels) {}

  async journey(query: JourneyQuery): Promise<JourneyRow[]> {
    const { conversations, orders, survivorOf } = await this.journeyFacts(query);
    return computeJourneyFigures(conversations, orders, query, survivorOf);
  }

  async journeyDrillDown(
    query: JourneyQuery & { figure: JourneyDrillable; periodStart?: string },
  ): Promise<JourneyDrillEntry[]> {
    const { conversations, orders, survivorOf } = await this.journeyFacts(query);
    return journeyDrillDown(conversations, orders, query, survivorOf);
  }

  async knowledge(
    query: KnowledgeQuery,
    gapLimit: number,
  ): Promise<{ rows: KnowledgeRow[]; gaps: ContentGap[] }> {
    const { facts, humanReplies } = await this.knowledgeFacts(query);
    return {
      rows: computeKnowledgeFigures(facts, query, humanReplies),
      gaps: contentGaps(facts, query, gapLimit),
    };
  }

  async knowledgeDrillDown(
    query: KnowledgeQuery & { figure: KnowledgeDrillable; periodStart?: string },
  ): Promise<KnowledgeDrillEntry[]> {
    const { facts, humanReplies } = await this.knowledgeFacts(query);
    return knowledgeDrillDown(facts, query, humanReplies);
  }

  /**
   * The facts of the customers who started a conversation or placed an order in the range — all of
   * them, also outside the range (what came before and after decides switches, conversion and
   * contacts) — with their merged contacts read through to the survivor.
   */
  private async journeyFacts(query: Pick<JourneyQuery, 'from' | 'to'>) {
    const facts = await this.served.collection(JOURNEY_FACTS);
    const contacts = await this.served.collection(REPORT_CONTACTS);
    const inRange = await facts
      .find({ at: utcRange(query.from, query.to) }, { projection: { contactId: 1 } })
      .toArray();
    const seen = [...new Set(inRange.map((d) => String(d['contactId'])))];
    const directory = await readContacts(contacts, seen);
    const customers = await mergedInto(contacts, [...new Set(seen.map((id) => directory.survivorOf(id)))]);
    const everyone = await readContacts(contacts, customers);
    const conversations: ConversationFact[] = [];
    const orders: OrderFact[] = [];
    for (let i = 0; i < customers.length; i += IDS_PER_LOOKUP) {
      const ids = customers.slice(i, i + IDS_PER_LOOKUP);
      for (const doc of await facts.find({ contactId: { $in: ids } }).toArray()) {
        if (doc['k'] === 'conversation') conversations.push(withoutMongoFields<ConversationFact>(doc));
        else if (doc['k'] === 'order') orders.push(withoutMongoFields<OrderFact>(doc));
      }
    }
    return { conversations, orders, survivorOf: (id: string) => everyone.survivorOf(id) };
  }

  /**
   * The knowledge facts of the range, every decision of the conversations decided on in it, and the
   * human replies on those conversations' tickets.
   */
  private async knowledgeFacts(query: Pick<KnowledgeQuery, 'from' | 'to'>) {
    const collection = await this.served.collection(KNOWLEDGE_FACTS);
    const inRange = (await collection.find({ at: utcRange(query.from, query.to) }).toArray()).map((d) =>
      withoutMongoFields<KnowledgeFact>(d),
    );
    const conversationIds = [
      ...new Set(inRange.flatMap((f) => (f.k === 'answer' ? [f.conversationId] : []))),
    ].sort();
    const facts = new Map(inRange.map((f) => [f.id, f]));
    const replies = new Map<string, string[]>();
    const tickets = await this.served.collection(TICKET_RECORDS);
    for (let i = 0; i < conversationIds.length; i += IDS_PER_LOOKUP) {
      const ids = conversationIds.slice(i, i + IDS_PER_LOOKUP);
      for (const doc of await collection.find({ conversationId: { $in: ids } }).toArray())
        facts.set(String(doc['_id']), withoutMongoFields<KnowledgeFact>(doc));
      const found = tickets.find(
        { conversationId: { $in: ids } },
        { projection: { conversationId: 1, facts: 1 } },
      );
      for (const doc of await found.toArray()) {
        const record = doc as unknown as TicketRecord;
        const at = record.facts.flatMap((f) => (f.k === 'reply' && !f.bot ? [f.at] : []));
        const id = record.conversationId as string;
        replies.set(id, [...(replies.get(id) ?? []), ...at]);
      }
    }
    const humanReplies: HumanReplies = (conversationId) => replies.get(conversationId) ?? [];
    return { facts: [...facts.values()], humanReplies };
  }
}
