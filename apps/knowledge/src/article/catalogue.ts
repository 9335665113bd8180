import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Collection, Document, Filter } from 'mongodb';
import { KNOWLEDGE_LOCALES } from '@journey/contracts';
import type { KnowledgeLocale } from '@journey/contracts';
import { READ_MODEL_FEED } from '@journey/messaging';
import type { ReadModelFeed } from '@journey/messaging';
import { SERVICE_LOGGER } from '@journey/platform';
import type { Logger } from '@journey/platform';
import { servedFields, ServedReadModels } from '@journey/projections';
import {
  ANSWER_CONTACTS,
  ARTICLE_CATALOGUE,
  CONTENT_GAPS,
  CONVERSATION_SUGGESTIONS,
  READ_MODELS,
  SOLVED_CASES,
} from '../read-models';

/** An article as the catalogue answers it, with each translation's out-of-date flag worked out. */
export function catalogueView(doc: Document): Record<string, unknown> {
  const { published: _p, ...rest } = servedFields(doc);
  const locales = (rest['locales'] ?? {}) as Record<string, Record<string, unknown>>;
  const source = locales[rest['sourceLocale'] as string]?.['published'] as { revision?: number } | undefined;
  for (const [locale, l] of Object.entries(locales)) {
    const published = l['published'] as { sourceRevision?: number } | undefined;
    l['outdated'] =
      locale !== rest['sourceLocale'] && source?.revision !== undefined && published !== undefined
        ? (published.sourceRevision ?? 0) < source.revision
        : false;
  }
  return { ...rest, locales, articleId: String(doc['_id']) };
}

/** The knowledge service's MongoDB read models (READ_MODELS), fed live from Kafka, and the queries on them. */
@Injectable()
export class Catalogue implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly served: ServedReadModels;
  readonly locales: readonly KnowledgeLocale[] = KNOWLEDGE_LOCALES;

  constructor(@Inject(READ_MODEL_FEED) feed: ReadModelFeed, @Inject(SERVICE_LOGGER) logger: Logger) {
    this.served = new ServedReadModels(READ_MODELS, {
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

  articlesCollection(): Promise<Collection<Document>> {
    return this.served.collection(ARTICLE_CATALOGUE);
  }

  gaps(): Promise<Collection<Document>> {
    return this.served.collection(CONTENT_GAPS);
  }

  suggestions(): Promise<Collection<Document>> {
    return this.served.collection(CONVERSATION_SUGGESTIONS);
  }

  solvedCases(): Promise<Collection<Document>> {
    return this.served.collection(SOLVED_CASES);
  }

  contacts(): Promise<Collection<Document>> {
    return this.served.collection(ANSWER_CONTACTS);
  }

  async article(articleId: string): Promise<Record<string, unknown> | undefined> {
    const doc = await (await this.articlesCollection()).findOne({ _id: articleId as never });
    return doc?.['articleId'] ? catalogueView(doc) : undefined;
  }

  async page(filter: Filter<Document>, offset: number, limit: number) {
    const collection = await this.articlesCollection();
    const [docs, total] = await Promise.all([
      collection.find(filter).sort({ updatedAt: -1, _id: 1 }).skip(offset).limit(limit).toArray(),
      collection.countDocuments(filter),
    ]);
    return { articles: docs.map(catalogueView), total };
  }

  /** Locales with a publish due by `now`, and published locales past their review-by date not yet flagged. */
  async due(
    now: string,
    limit = 200,
  ): Promise<{ articleId: string; locale: KnowledgeLocale; kind: 'publish' | 'stale' }[]> {
    const collection = await this.articlesCollection();
    const out: { articleId: string; locale: KnowledgeLocale; kind: 'publish' | 'stale' }[] = [];
    for (const locale of this.locales) {
      const l = `locales.${locale}`;
      const scheduled = await collection
        .find({ [`${l}.scheduledAt`]: { $lte: now }, archived: false })
        .project({ _id: 1 })
        .limit(limit)
        .toArray();
      for (const d of scheduled) out.push({ articleId: String(d._id), locale, kind: 'publish' });
      const stale = await collection
        .find({
          [`${l}.reviewBy`]: { $lte: now },
          [`${l}.stale`]: false,
          [`${l}.published`]: { $exists: true },
        })
        .project({ _id: 1 })
        .limit(limit)
        .toArray();
      for (const d of stale) out.push({ articleId: String(d._id), locale, kind: 'stale' });
    }
    return out;
  }
}
