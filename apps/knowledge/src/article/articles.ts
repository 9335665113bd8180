import { Inject, Injectable } from '@nestjs/common';
import { journeyCatalogue } from '@journey/contracts';
import type { KnowledgeLocale } from '@journey/contracts';
import { DuplicateEventError, handleCommand } from '@journey/eventstore';
import type { AggregateCaches, CommandOutcome, EventStore } from '@journey/eventstore';
import { AGGREGATE_CACHES, EVENT_STORE } from '@journey/messaging';
import { articleStream, derivedId } from '../knowledge-ids';
import { articleDecider } from './domain/article.decider';
import type { ArticleCommand, ArticleEvent, ArticleState, Content } from './domain/article.decider';

export interface ExecuteOptions {
  correlationId: string;
  causationId?: string;
  /** Event ids derive from it, so the same command retried appends nothing twice. */
  commandKey?: string;
}

/** One saved revision of one locale, as the history shows it. */
export interface Revision extends Content {
  revision: number;
  author: string;
  note?: string;
  at: string;
  sourceRevision?: number;
  restoredFrom?: number;
}

/** The article use cases' one way to the event store: decide, validate, append (optimistic concurrency). */
@Injectable()
export class Articles {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AGGREGATE_CACHES) private readonly caches: AggregateCaches,
  ) {}

  async execute(
    articleId: string,
    command: ArticleCommand,
    options: ExecuteOptions,
  ): Promise<CommandOutcome<ArticleEvent, ArticleState | undefined>> {
    try {
      return await handleCommand(this.store, articleStream(articleId), articleDecider, command, {
        metadata: {
          source: 'knowledge',
          correlationId: options.correlationId,
          ...(options.causationId ? { causationId: options.causationId } : {}),
          schemaVersion: 1,
        },
        cache: this.caches.for<ArticleState>('article'),
        validate: (e) => journeyCatalogue.check(e.type, e.data),
        ...(options.commandKey
          ? { eventId: (_: unknown, i: number) => derivedId(`${options.commandKey as string}#${i}`) }
          : {}),
      });
    } catch (err) {
      if (err instanceof DuplicateEventError)
        return { ok: true, events: [], nextExpectedRevision: undefined, state: undefined };
      throw err;
    }
  }

  async events(articleId: string): Promise<ArticleEvent[]> {
    const recorded = await this.store.readStream(articleStream(articleId));
    return recorded.map((r) => ({ type: r.type, data: r.data }) as ArticleEvent);
  }

  async load(articleId: string): Promise<{ state: ArticleState; events: ArticleEvent[] }> {
    const events = await this.events(articleId);
    return { state: events.reduce(articleDecider.evolve, articleDecider.initialState()), events };
  }

  /** Every saved revision of one locale, oldest first (from the stream: the history is the log). */
  async revisions(articleId: string, locale: KnowledgeLocale): Promise<Revision[]> {
    const out: Revision[] = [];
    for (const e of await this.events(articleId)) {
      if (e.type !== 'knowledge.article-revised.v1' || e.data.locale !== locale) continue;
      const d = e.data;
      out.push({
        revision: d.revision,
        title: d.title,
        body: d.body,
        tags: d.tags,
        author: d.author,
        at: d.at,
        ...(d.note ? { note: d.note } : {}),
        ...(d.sourceRevision !== undefined ? { sourceRevision: d.sourceRevision } : {}),
        ...(d.restoredFrom !== undefined ? { restoredFrom: d.restoredFrom } : {}),
      });
    }
    return out;
  }
}
