import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ArticleAudience, KnowledgeChannel, KnowledgeLocale } from '@journey/contracts';
import { SERVICE_LOGGER } from '@journey/platform';
import type { Logger } from '@journey/platform';
import { normaliseQuery, ReaderActivity } from '../feedback/reader-activity';
import { KNOWLEDGE_OPTIONS } from '../knowledge-options';
import type { KnowledgeOptions } from '../knowledge-options';
import type { SearchAnswer, SearchRequest } from './domain/article-index';
import { SearchIndex } from './search-index';

/** The audiences a reader of each kind may see. */
export function audiencesFor(widest: ArticleAudience): ArticleAudience[] {
  if (widest === 'internal') return ['public', 'vip', 'internal'];
  if (widest === 'vip') return ['public', 'vip'];
  return ['public'];
}

/** One search for every reader (portal, widget, WeChat, agents): answered from the index, recorded as an event. */
@Injectable()
export class KnowledgeSearch {
  constructor(
    private readonly index: SearchIndex,
    private readonly activity: ReaderActivity,
    @Inject(KNOWLEDGE_OPTIONS) private readonly options: KnowledgeOptions,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  search(
    request: SearchRequest & { channel: KnowledgeChannel },
    correlationId: string,
  ): SearchAnswer & { searchId: string } {
    const answer = this.index.search(request);
    const searchId = randomUUID();
    const query = normaliseQuery(request.query);
    const best = answer.hits[0]?.confidence;
    if (query.length > 0 && request.offset === 0) {
      const widest = request.audiences.includes('internal')
        ? 'internal'
        : request.audiences.includes('vip')
          ? 'vip'
          : 'public';
      // The reader gets the answer whatever happens to the record of it; a store that is down loses this count only.
      void this.activity
        .record(
          {
            type: 'knowledge.search-recorded.v1',
            data: {
              searchId,
              query,
              ...(request.locale ? { locale: request.locale as KnowledgeLocale } : {}),
              audience: widest,
              channel: request.channel,
              results: answer.total,
              ...(answer.hits[0] ? { topScore: answer.hits[0].score } : {}),
              outcome:
                answer.total === 0 ? 'none' : (best ?? 0) < this.options.poorConfidence ? 'poor' : 'found',
              at: new Date().toISOString(),
            },
          },
          correlationId,
        )
        .catch((err: unknown) => this.logger.warn({ err: String(err) }, 'a search was not recorded'));
    }
    return { ...answer, searchId };
  }
}
