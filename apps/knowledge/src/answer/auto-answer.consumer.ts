import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import {
  ANSWER_TEXT_MAX,
  ERASED,
  journeyCatalogue,
  SEARCH_QUERY_MAX,
  SUGGESTIONS_MAX,
} from '@journey/contracts';
import type {
  ArticleAudience,
  ChannelsEvent,
  EventEnvelope,
  KnowledgeEvent,
  KnowledgeEventData,
  KnowledgeLocale,
} from '@journey/contracts';
import { DuplicateEventError, WrongExpectedRevisionError } from '@journey/eventstore';
import type { EventStore, PersonalDataProtection } from '@journey/eventstore';
import { EVENT_STORE, EventConsumer, MESSAGE_BUS, PERSONAL_DATA, STREAM_PARKING } from '@journey/messaging';
import type { MessageBus, StreamParking } from '@journey/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@journey/platform';
import type { Logger, ServiceConfig } from '@journey/platform';
import { Catalogue } from '../article/catalogue';
import { answerStream, derivedId } from '../knowledge-ids';
import { toNewEvent } from '../knowledge-events';
import { KNOWLEDGE_OPTIONS } from '../knowledge-options';
import type { KnowledgeOptions } from '../knowledge-options';
import type { SearchHit } from '../search/domain/article-index';
import { SearchIndex } from '../search/search-index';
import { answerableAudiences, decideAnswer, historyOf } from './domain/answer-decision';
import type { AnswerOutcome, VipTier } from './domain/answer-decision';

type Decided = KnowledgeEventData<'knowledge.auto-answer-decided.v1'>;
const HAN = /\p{Script=Han}/u;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How much of the article an automatic answer quotes before its link. */
const QUOTED = 600;

/**
 * Auto-answer: reads every inbound customer message (channels' message-received), searches the
 * knowledge base with it, and decides (answer-decision) whether to answer with an article or hand the
 * message to a person with the suggestions attached. The decision is an event on the conversation's
 * `kb-answers-` stream, appended at the revision read, so "never twice in a row" and the sticky
 * request for a person are decided from the event store, and a redelivered message is decided once
 * (its decision's id is derived from the message's). Channels sends an answer; tickets and agents
 * see the hand-off and its suggestions.
 */
@Injectable()
export class AutoAnswerConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: EventConsumer;

  constructor(
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @Inject(PERSONAL_DATA) personalData: PersonalDataProtection,
    @Inject(STREAM_PARKING) parking: StreamParking,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(KNOWLEDGE_OPTIONS) private readonly options: KnowledgeOptions,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    private readonly index: SearchIndex,
    private readonly catalogue: Catalogue,
  ) {
    this.consumer = new EventConsumer({
      bus,
      groupId: `${config.kafka.consumerGroup}-auto-answer`,
      topics: ['journey.channels.v1'],
      catalogue: journeyCatalogue,
      personalData,
      parking,
      handle: (envelope) => this.handle(envelope),
      onDeadLetter: (_, reason) => this.logger.error({ reason }, 'auto-answer: dead-lettered'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
  }

  private async handle(envelope: EventEnvelope): Promise<void> {
    const event = { type: envelope.type, data: envelope.data } as ChannelsEvent;
    if (event.type !== 'channels.message-received.v1') return;
    const m = event.data;
    if (m.customerAction && !m.text) return; // a WeChat subscribe or menu click asks nothing
    // An old message (the consumer's first start on a topic with history, or an outage) gets no late
    // automatic answer: people have it already (tickets opened it), and a bot reply hours later helps no one.
    const tooOld = Date.now() - Date.parse(m.receivedAt) > this.options.answerMaxAgeMs;
    // The answer must come from the whole knowledge base, not from an index still catching up.
    await this.index.ready();
    const text = m.text === ERASED ? undefined : m.text;
    const customer = tooOld
      ? await this.customerOf(m.conversationId, 0)
      : await this.customerOf(m.conversationId);
    const hits = text ? this.searchFor(text, ['public', 'vip', 'internal']) : [];
    const answerable = text ? this.searchFor(text, answerableAudiences(customer)) : [];
    const streamId = answerStream(m.conversationId);
    for (let attempt = 1; ; attempt++) {
      const recorded = await this.store.readStream(streamId);
      const history = historyOf(
        recorded.filter((e) => e.type === 'knowledge.auto-answer-decided.v1').map((e) => e.data as Decided),
      );
      if (history.decided.has(m.messageId)) return; // decided on an earlier delivery
      const outcome = decideAnswer({
        text,
        policy: this.index.answerPolicy(),
        history,
        customer: customer ? { ...(customer.vipTier ? { vipTier: customer.vipTier } : {}) } : undefined,
        hits,
        answerable,
        tooOld,
      });
      const decided: KnowledgeEvent = {
        type: 'knowledge.auto-answer-decided.v1',
        data: {
          conversationId: m.conversationId,
          messageId: m.messageId,
          channel: m.channel,
          channelId: m.channelId,
          ...(customer?.contactId ? { contactId: customer.contactId } : {}),
          decision: outcome.decision,
          reasons: outcome.reasons,
          confidence: outcome.confidence,
          threshold: this.index.answerPolicy().threshold,
          suggestions: outcome.suggestions,
          ...(outcome.answer ? { answer: this.answerWith(m.messageId, outcome.answer) } : {}),
          at: new Date().toISOString(),
        },
      };
      const last = recorded.at(-1)?.revision;
      try {
        await this.store.append(
          streamId,
          [{ ...toNewEvent(decided, envelope.correlationId), id: derivedId(`auto-answer:${m.messageId}`) }],
          last === undefined ? 'no_stream' : last,
        );
        this.logDecision(outcome);
        return;
      } catch (err) {
        if (err instanceof DuplicateEventError) return; // appended by an earlier delivery
        // Another replica decided a message of this conversation meanwhile: decide again on its stream.
        if (err instanceof WrongExpectedRevisionError && attempt < 5) continue;
        throw err;
      }
    }
  }

  /**
   * Who wrote, as contacts said it (its interaction-recorded usually comes a moment after the message):
   * waited for up to the contact wait, then unknown, which hands the message to a person. A contact
   * merged into another is read as the surviving one (its tier is the customer's).
   */
  private async customerOf(
    conversationId: string,
    waitMs = this.options.contactWaitMs,
  ): Promise<{ contactId: string; vipTier?: VipTier } | undefined> {
    const contacts = await this.catalogue.contacts();
    const deadline = Date.now() + waitMs;
    for (;;) {
      const conversation = await contacts.findOne({ _id: `conversation:${conversationId}` as never });
      let contactId = conversation?.['contactId'] as string | undefined;
      if (contactId) {
        let contact = await contacts.findOne({ _id: `contact:${contactId}` as never });
        for (let hops = 0; contact?.['mergedInto'] && hops < 5; hops++) {
          contactId = String(contact['mergedInto']);
          contact = await contacts.findOne({ _id: `contact:${contactId}` as never });
        }
        const vipTier = contact?.['vipTier'] as VipTier | undefined;
        return { contactId, ...(vipTier ? { vipTier } : {}) };
      }
      if (Date.now() >= deadline) return undefined;
      await sleep(Math.min(100, Math.max(0, deadline - Date.now())));
    }
  }

  /** The best articles for a message in these audiences, in the message's script first. */
  private searchFor(text: string, audiences: ArticleAudience[]): SearchHit[] {
    const query = text.slice(0, SEARCH_QUERY_MAX);
    const locale: KnowledgeLocale = HAN.test(query) ? 'zh-CN' : 'en';
    const request = { query, audiences, offset: 0, limit: SUGGESTIONS_MAX };
    const inLocale = this.index.search({ ...request, locale });
    return inLocale.total > 0 ? inLocale.hits : this.index.search(request).hits;
  }

  /** The answer sent to the customer: the article's title, its opening, and the link to all of it. */
  private answerWith(messageId: string, hit: SearchHit): NonNullable<Decided['answer']> {
    const article = this.index.articles.get(hit.articleId, hit.locale, [hit.audience]);
    const link = `${this.options.portalUrl.replace(/\/$/, '')}/${hit.articleId}?locale=${encodeURIComponent(hit.locale)}`;
    const room = ANSWER_TEXT_MAX - hit.title.length - link.length - 8;
    const body = (article?.text ?? '').replace(/\s+/g, ' ').trim();
    const quoted =
      body.length > Math.min(QUOTED, room) ? `${body.slice(0, Math.max(0, Math.min(QUOTED, room)))}…` : body;
    return {
      replyId: derivedId(`auto-answer-reply:${messageId}`),
      articleId: hit.articleId,
      locale: hit.locale,
      title: hit.title,
      text: [hit.title, quoted, link].filter(Boolean).join('\n\n').slice(0, ANSWER_TEXT_MAX),
    };
  }

  private logDecision(outcome: AnswerOutcome): void {
    // Ids and reasons only: the customer's words never reach a log line.
    this.logger.info(
      { decision: outcome.decision, reasons: outcome.reasons, confidence: outcome.confidence },
      'auto-answer decided',
    );
  }
}
