import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { journeyCatalogue } from '@journey/contracts';
import type { KnowledgeEvent } from '@journey/contracts';
import { START } from '@journey/eventstore';
import type { EventStore, RecordedEvent, Subscription } from '@journey/eventstore';
import { EVENT_STORE } from '@journey/messaging';
import { clearDegraded, reportDegraded, SERVICE_LOGGER, transientBackoff } from '@journey/platform';
import type { Logger } from '@journey/platform';
import type { AnswerPolicy } from '../answer/domain/answer-decision';
import { INDEXED_STREAM_PREFIXES } from '../knowledge-ids';
import { ArticleIndex } from './domain/article-index';
import type { SearchAnswer, SearchRequest } from './domain/article-index';

/** The policy until an admin sets one: answer above 0.8, never for gold or platinum customers, nor after "agent"/"人工". */
export const DEFAULT_ANSWER_POLICY: AnswerPolicy = {
  enabled: true,
  threshold: 0.8,
  humanOnlyVipTiers: ['gold', 'platinum'],
  products: [],
  personPhrases: [
    '人工',
    '转人工',
    '人工客服',
    '真人',
    'agent',
    'human',
    'real person',
    'representative',
    'operator',
  ],
};

const COMPONENT = 'search-index';
/**
 * How long one slice of cache warming may hold the event loop; the warmer then rests as long, so that it
 * takes at most half a core and a request waits at most a slice (and the lookup under way) for it.
 */
const WARM_SLICE_MS = 4;

/**
 * The search index of this replica: it follows the event store's log of article and settings streams
 * (a catch-up subscription filtered by stream prefix) and folds every event into an ArticleIndex in
 * memory. Every replica folds the same log in the same order, so they answer alike; a restart is a
 * replay. Readiness is 503 until the first catch-up is done, so no replica serves a partial index.
 */
@Injectable()
export class SearchIndex implements OnApplicationBootstrap, OnModuleDestroy {
  private index = new ArticleIndex();
  private policy: AnswerPolicy = DEFAULT_ANSWER_POLICY;
  private subscription?: Subscription;
  private stopped = false;
  private stop: () => void = () => undefined;
  private readonly stopping = new Promise<undefined>((resolve) => (this.stop = () => resolve(undefined)));
  private applied = 0;
  private caughtUp = false;
  private rebuilding?: Promise<void>;
  private warming?: NodeJS.Timeout;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.rebuilding = this.follow();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.warming) clearTimeout(this.warming);
    this.stop();
    await this.subscription?.stop();
  }

  /** Resolves once the index has caught up with the log (for tests and the rebuild answer). */
  async ready(): Promise<void> {
    await this.rebuilding;
  }

  status(): { caughtUp: boolean; events: number; articles: number } {
    return { caughtUp: this.caughtUp, events: this.applied, articles: this.index.size };
  }

  search(request: SearchRequest): SearchAnswer {
    return this.index.search(request);
  }

  get articles(): ArticleIndex {
    return this.index;
  }

  answerPolicy(): AnswerPolicy {
    return this.policy;
  }

  private apply(events: RecordedEvent[], into: ArticleIndex): void {
    for (const recorded of events) {
      const valid = journeyCatalogue.validate(recorded.type, recorded.data, 'read');
      if (!valid.ok) {
        // The store refused nothing invalid when it was written; an unreadable event is a bug to see, not to stop on.
        this.logger.error(
          { reason: valid.reason, streamId: recorded.streamId },
          'search index: skipped an unreadable event',
        );
        continue;
      }
      const event = { type: valid.type, data: valid.data } as KnowledgeEvent;
      into.apply(event);
      if (event.type === 'knowledge.answer-policy-configured.v1') {
        const { by: _by, at: _at, ...policy } = event.data;
        this.policy = policy;
      }
      this.applied += 1;
    }
    if (into === this.index && events.length > 0) this.warmSoon();
  }

  /**
   * After the build and after every change, the warmer looks terms up in short slices between other work
   * (the most frequent terms once, then what a change dropped), so that questions find them cached (see
   * ArticleIndex.warm).
   */
  private warmSoon(): void {
    if (this.warming || this.stopped) return;
    this.warming = setTimeout(() => {
      this.warming = undefined;
      try {
        if (this.index.warm(performance.now() + WARM_SLICE_MS) > 0) this.warmSoon();
      } catch (err) {
        // Warming only saves later searches time: a failure is seen, and searches look terms up themselves.
        this.logger.error({ err: String(err) }, 'search index: warming the term cache failed');
      }
    }, WARM_SLICE_MS).unref();
  }

  /** Folds the log from its start into a new index, then swaps it in and follows new events into it. */
  private async follow(): Promise<void> {
    reportDegraded(COMPONENT, 'building the search index from the article log');
    for (let attempt = 1; !this.stopped; attempt++) {
      const fresh = new ArticleIndex();
      this.applied = 0;
      const started = Date.now();
      let fail: (err: unknown) => void = () => undefined;
      const failure = new Promise<{ err: unknown }>((resolve) => (fail = (err) => resolve({ err })));
      const subscription = this.store.subscribeToAll({
        after: START,
        streamPrefixes: INDEXED_STREAM_PREFIXES,
        batchSize: 1_000,
        onBatch: async (events) => this.apply(events, fresh),
        onError: fail,
      });
      this.subscription = subscription;
      const failed = await Promise.race([
        subscription.caughtUp.then(() => undefined),
        failure,
        this.stopping,
      ]);
      if (this.stopped) return;
      if (!failed) {
        this.index = fresh;
        this.caughtUp = true;
        // The costliest terms are looked up while idle, before questions ask for them.
        this.warmSoon();
        clearDegraded(COMPONENT);
        this.logger.info(
          { events: this.applied, articles: fresh.size, ms: Date.now() - started },
          'search index built from the article log',
        );
        // A later failure of the live subscription starts a full rebuild (this index stays served meanwhile).
        void failure.then(({ err }) => this.rebuildAfter(subscription, err));
        return;
      }
      await subscription.stop();
      this.logger.warn({ err: String(failed.err) }, 'search index: the event store failed; retrying');
      await Promise.race([new Promise((r) => setTimeout(r, transientBackoff(attempt))), this.stopping]);
    }
  }

  private async rebuildAfter(subscription: Subscription, err: unknown): Promise<void> {
    if (this.stopped) return;
    await subscription.stop();
    this.caughtUp = false;
    this.logger.warn({ err: String(err) }, 'search index: the log subscription failed; rebuilding');
    this.rebuilding = this.follow();
  }
}
