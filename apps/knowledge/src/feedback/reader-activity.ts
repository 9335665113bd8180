import { Inject, Injectable } from '@nestjs/common';
import { SEARCH_QUERY_MAX } from '@journey/contracts';
import type { KnowledgeEvent } from '@journey/contracts';
import { WrongExpectedRevisionError } from '@journey/eventstore';
import type { EventStore } from '@journey/eventstore';
import { EVENT_STORE } from '@journey/messaging';
import { toNewEvent } from '../knowledge-events';
import { articleActivityStream, articleViewsStream, searchLogStream } from '../knowledge-ids';
import { dayOf } from './adapters/content-gaps.projection';
import { foldText } from '../search/domain/text-analysis';

// Spaces and punctuation, except the masks' own characters (the v flag's set difference).
const SEPARATORS = new RegExp('[[\\s\\p{P}]--[#\\[\\]]]+', 'gv');

/**
 * A query as the content-gap report groups it: folded (case, width, accents, traditional Chinese),
 * spaces collapsed, and what looks like personal data masked (e-mail addresses, runs of five or more
 * digits: phone, order and card numbers), so the report never holds who searched.
 */
export function normaliseQuery(query: string): string {
  return foldText(query)
    .replace(/[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+/gu, '[email]')
    .replace(/\p{N}[\p{N}\s-]{3,}\p{N}/gu, (run) => (run.replace(/\D/g, '').length >= 5 ? '#' : run))
    .replace(SEPARATORS, ' ')
    .trim()
    .slice(0, SEARCH_QUERY_MAX);
}

/** Readers' facts (views, votes, update requests, searches): appended as they come, never decided on. */
@Injectable()
export class ReaderActivity {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** Appends one reader fact to its stream (any revision: facts do not conflict with each other). */
  async record(event: KnowledgeEvent, correlationId: string): Promise<void> {
    const data = event.data as { articleId?: string; at: string };
    const stream =
      event.type === 'knowledge.search-recorded.v1'
        ? searchLogStream(dayOf(data.at))
        : event.type === 'knowledge.article-viewed.v1'
          ? articleViewsStream(data.articleId as string)
          : articleActivityStream(data.articleId as string);
    await this.store.append(stream, [toNewEvent(event, correlationId)], 'any');
  }

  /** Closes an update request, once: decided from the article's activity stream. */
  async resolveRequest(
    articleId: string,
    requestId: string,
    resolution: 'updated' | 'declined',
    by: string,
    correlationId: string,
  ): Promise<'resolved' | 'not-found' | 'already-resolved'> {
    for (let attempt = 0; ; attempt++) {
      const history = await this.store.readStream(articleActivityStream(articleId));
      const mine = history.filter((e) => (e.data as { requestId?: string }).requestId === requestId);
      if (!mine.some((e) => e.type === 'knowledge.update-requested.v1')) return 'not-found';
      if (mine.some((e) => e.type === 'knowledge.update-request-resolved.v1')) return 'already-resolved';
      const resolved = toNewEvent(
        {
          type: 'knowledge.update-request-resolved.v1',
          data: { articleId, requestId, resolution, by, at: new Date().toISOString() },
        },
        correlationId,
      );
      try {
        await this.store.append(
          articleActivityStream(articleId),
          [resolved],
          history.at(-1)?.revision ?? 'no_stream',
        );
        return 'resolved';
      } catch (err) {
        if (!(err instanceof WrongExpectedRevisionError) || attempt >= 3) throw err;
      }
    }
  }
}
