import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SERVICE_LOGGER } from '@journey/platform';
import type { Logger } from '@journey/platform';
import { KNOWLEDGE_OPTIONS } from '../knowledge-options';
import type { KnowledgeOptions } from '../knowledge-options';
import { Articles } from './articles';
import { Catalogue } from './catalogue';

/**
 * Publishes what was scheduled once its time comes, and flags published locales past their review-by
 * date to their owner. The catalogue says what may be due; the article's stream decides (a replica that
 * comes second finds it done and appends nothing).
 */
@Injectable()
export class ArticleScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly articles: Articles,
    private readonly catalogue: Catalogue,
    @Inject(KNOWLEDGE_OPTIONS) private readonly options: KnowledgeOptions,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.tick()
        .then(() => undefined)
        .catch((err: unknown) => this.logger.warn({ err: String(err) }, 'article scheduler: will retry'))
        .finally(() => (this.running = undefined));
    }, this.options.schedulerIntervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass: everything due by `now`; returns how many events it appended. */
  async tick(now = new Date().toISOString()): Promise<number> {
    let appended = 0;
    for (const due of await this.catalogue.due(now)) {
      const outcome = await this.articles.execute(
        due.articleId,
        due.kind === 'publish'
          ? { kind: 'publish-scheduled', locale: due.locale, now }
          : { kind: 'flag-stale', locale: due.locale, now },
        { correlationId: `scheduler:${now}` },
      );
      if (outcome.ok) appended += outcome.events.length;
    }
    return appended;
  }
}
