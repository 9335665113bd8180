import { z } from 'zod';
import { defineEvent } from '../catalogue/event-catalogue';
import type { EventOf } from '../catalogue/event-catalogue';
import { CHANNELS } from '../channels/channels.events';
import { VIP_TIERS } from '../contacts/contacts.events';
import { boundedJson } from '../size/size-limits';
import { handle } from '../tickets/tickets.events';

// Bounds shared by the knowledge API and its events (see EVENT_MAX_BYTES and the size spec).
/** The longest article body, Markdown (UTF-16 units): a long help-centre article is 20–30k. */
export const ARTICLE_BODY_MAX = 100_000;
/** The longest article title. */
export const ARTICLE_TITLE_MAX = 300;
/** The most tags, products or reviewers one article holds. */
export const ARTICLE_LIST_MAX = 30;
/** The longest review comment, change note, or feedback comment. */
export const KNOWLEDGE_NOTE_MAX = 5_000;
/** The longest search query (what the search API and the search events accept). */
export const SEARCH_QUERY_MAX = 200;
/** The most synonym sets per locale, and terms per set. */
export const SYNONYM_SETS_MAX = 2_000;
export const SYNONYM_TERMS_MAX = 20;
/** The largest synonym book or answer policy's product list, as JSON. */
export const SETTINGS_MAX_BYTES = 256 * 1024;
/** The most suggestions an auto-answer decision keeps. */
export const SUGGESTIONS_MAX = 5;
/** How much of an article an automatic answer sends (the rest is behind its link). */
export const ANSWER_TEXT_MAX = 2_000;

/** The locales articles are written in; a locale outside this list is refused at the edge. */
export const KNOWLEDGE_LOCALES = ['zh-CN', 'zh-TW', 'en', 'en-GB', 'ja', 'ko', 'fr', 'de', 'es'] as const;
export type KnowledgeLocale = (typeof KNOWLEDGE_LOCALES)[number];
/** Who may read an article: everyone, agents only, or VIP customers (and agents). */
export const ARTICLE_AUDIENCES = ['public', 'internal', 'vip'] as const;
export type ArticleAudience = (typeof ARTICLE_AUDIENCES)[number];
/** Where a reader met the knowledge base. */
export const KNOWLEDGE_CHANNELS = ['portal', 'widget', 'agent-workspace', 'api', ...CHANNELS] as const;
export type KnowledgeChannel = (typeof KNOWLEDGE_CHANNELS)[number];
export const FEEDBACK_REASONS = [
  'outdated',
  'incorrect',
  'unclear',
  'missing-information',
  'did-not-solve',
  'other',
] as const;
/** Why an inbound message was answered automatically or handed to a person. */
export const ANSWER_REASONS = [
  'confident-match',
  'below-threshold',
  'no-suggestion',
  'no-text',
  'vip-customer',
  'customer-unknown',
  'flagged-product',
  'asked-for-person',
  'asked-for-person-earlier',
  'answered-last-time',
  'handed-off-earlier',
  'message-too-old',
  'auto-answer-off',
] as const;
export type AnswerReason = (typeof ANSWER_REASONS)[number];
export const PRODUCT_FLAGS = ['new', 'complex'] as const;

const articleId = z.uuid();
const locale = z.enum(KNOWLEDGE_LOCALES);
const actor = z.string().min(1).max(200);
const at = z.iso.datetime({ offset: true });
const revision = z.number().int().min(1).max(1_000_000);
const list = z.array(handle).max(ARTICLE_LIST_MAX);
const tags = z.array(z.string().min(1).max(64)).max(ARTICLE_LIST_MAX);
const note = z.string().min(1).max(KNOWLEDGE_NOTE_MAX);

export const articleCreated = defineEvent({
  type: 'knowledge.article-created.v1',
  description:
    'An article was created in its source locale, with its owner (who keeps it current), category, products, audience and how often it must be reviewed.',
  contactScoped: false,
  schema: z.object({
    articleId,
    sourceLocale: locale,
    owner: actor,
    category: handle.optional(),
    products: list.default([]),
    audience: z.enum(ARTICLE_AUDIENCES),
    reviewIntervalDays: z.number().int().min(1).max(3650),
    by: actor,
    at,
  }),
});

export const articleRevised = defineEvent({
  type: 'knowledge.article-revised.v1',
  description:
    'A new revision of one locale of an article (a draft until published): title, Markdown body and tags, with its author and change note. A translation names the source revision it was made from; a restore names the revision it copied.',
  contactScoped: false,
  schema: z.object({
    articleId,
    locale,
    revision,
    title: z.string().min(1).max(ARTICLE_TITLE_MAX),
    body: z.string().max(ARTICLE_BODY_MAX),
    tags: tags.default([]),
    author: actor,
    note: note.optional(),
    sourceRevision: revision.optional(),
    restoredFrom: revision.optional(),
    at,
  }),
});

export const articleClassified = defineEvent({
  type: 'knowledge.article-classified.v1',
  description:
    'The article\u2019s owner, category, products, audience or review interval changed (only the fields present).',
  contactScoped: false,
  schema: z.object({
    articleId,
    owner: actor.optional(),
    category: handle.optional(),
    products: list.optional(),
    audience: z.enum(ARTICLE_AUDIENCES).optional(),
    reviewIntervalDays: z.number().int().min(1).max(3650).optional(),
    by: actor,
    at,
  }),
});

export const reviewRequested = defineEvent({
  type: 'knowledge.review-requested.v1',
  description: 'A draft revision went to review by the named reviewers.',
  contactScoped: false,
  schema: z.object({
    articleId,
    locale,
    revision,
    reviewers: z.array(actor).min(1).max(ARTICLE_LIST_MAX),
    by: actor,
    at,
  }),
});

export const reviewCommented = defineEvent({
  type: 'knowledge.review-commented.v1',
  description: 'A comment on a revision in review (agents only; never shown to customers).',
  contactScoped: false,
  schema: z.object({ articleId, locale, revision, commentId: z.uuid(), text: note, by: actor, at }),
});

export const reviewApproved = defineEvent({
  type: 'knowledge.review-approved.v1',
  description: 'A reviewer approved the revision in review: it may be published.',
  contactScoped: false,
  schema: z.object({ articleId, locale, revision, by: actor, at }),
});

export const changesRequested = defineEvent({
  type: 'knowledge.changes-requested.v1',
  description: 'A reviewer sent the revision back to draft with what to change.',
  contactScoped: false,
  schema: z.object({ articleId, locale, revision, note: note.optional(), by: actor, at }),
});

export const publishScheduled = defineEvent({
  type: 'knowledge.publish-scheduled.v1',
  description: 'An approved revision will be published at publishAt (or the schedule was cancelled).',
  contactScoped: false,
  schema: z.object({
    articleId,
    locale,
    revision,
    publishAt: at.optional(),
    cancelled: z.boolean().optional(),
    by: actor,
    at,
  }),
});

export const articlePublished = defineEvent({
  type: 'knowledge.article-published.v1',
  description:
    'A revision of one locale became what readers see (portal, widget, WeChat, agents, automatic answers), with its content, so that a reader of the topic needs nothing else. reviewBy is when its owner must check it again.',
  contactScoped: false,
  schema: z.object({
    articleId,
    locale,
    revision,
    title: z.string().min(1).max(ARTICLE_TITLE_MAX),
    body: z.string().max(ARTICLE_BODY_MAX),
    tags: tags.default([]),
    /** A translation: the source locale's revision it was made from. */
    sourceRevision: revision.optional(),
    reviewBy: at,
    scheduled: z.boolean().optional(),
    by: actor,
    at,
  }),
});

export const articleUnpublished = defineEvent({
  type: 'knowledge.article-unpublished.v1',
  description: 'One locale of the article is no longer shown to readers (its revisions stay).',
  contactScoped: false,
  schema: z.object({ articleId, locale, note: note.optional(), by: actor, at }),
});

export const articleArchived = defineEvent({
  type: 'knowledge.article-archived.v1',
  description: 'The whole article (every locale) left the knowledge base; its history stays.',
  contactScoped: false,
  schema: z.object({ articleId, by: actor, at }),
});

export const articleVerified = defineEvent({
  type: 'knowledge.article-verified.v1',
  description: 'The owner checked a published locale and it is still right: the review-by date moves on.',
  contactScoped: false,
  schema: z.object({ articleId, locale, reviewBy: at, by: actor, at }),
});

export const articleFlaggedStale = defineEvent({
  type: 'knowledge.article-flagged-stale.v1',
  description:
    'A published locale passed its review-by date without being checked: flagged to its owner (search still serves it; the flag shows until it is verified or revised).',
  contactScoped: false,
  schema: z.object({ articleId, locale, owner: actor, reviewBy: at, at }),
});

export const articleViewed = defineEvent({
  type: 'knowledge.article-viewed.v1',
  description:
    'A reader opened a published article, on a channel (portal, widget, WeChat, the agent workspace).',
  contactScoped: false,
  schema: z.object({
    articleId,
    locale,
    channel: z.enum(KNOWLEDGE_CHANNELS),
    contactId: z.uuid().optional(),
    at,
  }),
});

export const feedbackGiven = defineEvent({
  type: 'knowledge.feedback-given.v1',
  description:
    'A reader said whether the article helped, with a reason when it did not (the comment is the reader\u2019s own words, sealed).',
  contactScoped: false,
  personalData: ['comment'],
  schema: z.object({
    articleId,
    locale,
    feedbackId: z.uuid(),
    helpful: z.boolean(),
    reason: z.enum(FEEDBACK_REASONS).optional(),
    comment: z.string().min(1).max(KNOWLEDGE_NOTE_MAX).optional(),
    channel: z.enum(KNOWLEDGE_CHANNELS),
    contactId: z.uuid().optional(),
    at,
  }),
});

export const updateRequested = defineEvent({
  type: 'knowledge.update-requested.v1',
  description:
    'A reader asked for the article to be updated: queued for its owner and shown in the content-gap report.',
  contactScoped: false,
  personalData: ['text'],
  schema: z.object({
    articleId,
    locale,
    requestId: z.uuid(),
    reason: z.enum(FEEDBACK_REASONS),
    text: z.string().min(1).max(KNOWLEDGE_NOTE_MAX).optional(),
    channel: z.enum(KNOWLEDGE_CHANNELS),
    contactId: z.uuid().optional(),
    at,
  }),
});

export const updateRequestResolved = defineEvent({
  type: 'knowledge.update-request-resolved.v1',
  description: 'The owner dealt with an update request: the article was updated, or the request declined.',
  contactScoped: false,
  schema: z.object({
    articleId,
    requestId: z.uuid(),
    resolution: z.enum(['updated', 'declined']),
    by: actor,
    at,
  }),
});

export const searchRecorded = defineEvent({
  type: 'knowledge.search-recorded.v1',
  description:
    'A search and how it went: the normalised query (long digit runs and e-mail addresses masked), what it was filtered to, how many results, the best score and whether that was none, poor or found.',
  contactScoped: false,
  schema: z.object({
    searchId: z.uuid(),
    query: z.string().min(1).max(SEARCH_QUERY_MAX),
    locale: locale.optional(),
    audience: z.enum(ARTICLE_AUDIENCES),
    channel: z.enum(KNOWLEDGE_CHANNELS),
    results: z.number().int().min(0),
    topScore: z.number().min(0).optional(),
    outcome: z.enum(['none', 'poor', 'found']),
    at,
  }),
});

export const synonymsConfigured = defineEvent({
  type: 'knowledge.synonyms-configured.v1',
  description: 'An admin replaced the synonym sets of a locale: the terms of one set find each other.',
  contactScoped: false,
  schema: z.object({
    locale,
    sets: boundedJson(
      z.array(z.array(z.string().min(1).max(64)).min(2).max(SYNONYM_TERMS_MAX)).max(SYNONYM_SETS_MAX),
      SETTINGS_MAX_BYTES,
    ),
    by: actor,
    at,
  }),
});

export const answerPolicyConfigured = defineEvent({
  type: 'knowledge.answer-policy-configured.v1',
  description:
    'An admin set when inbound messages may be answered automatically: the confidence threshold, the VIP tiers and the flagged (new, complex) products that always go to a person, and the phrases that ask for one.',
  contactScoped: false,
  schema: z.object({
    enabled: z.boolean(),
    threshold: z.number().min(0).max(1),
    humanOnlyVipTiers: z.array(z.enum(VIP_TIERS)).max(VIP_TIERS.length),
    products: boundedJson(
      z
        .array(
          z.object({
            product: handle,
            flags: z.array(z.enum(PRODUCT_FLAGS)).min(1).max(PRODUCT_FLAGS.length),
            /** Words that name the product in a customer's message. */
            names: z.array(z.string().min(1).max(64)).max(ARTICLE_LIST_MAX).default([]),
          }),
        )
        .max(500),
      SETTINGS_MAX_BYTES,
    ),
    personPhrases: z.array(z.string().min(1).max(64)).max(200),
    by: actor,
    at,
  }),
});

const suggestion = z.object({
  articleId,
  locale,
  title: z.string().min(1).max(ARTICLE_TITLE_MAX),
  confidence: z.number().min(0).max(1),
});

export const autoAnswerDecided = defineEvent({
  type: 'knowledge.auto-answer-decided.v1',
  description:
    'What knowledge did with an inbound customer message: answered it with an article (channels sends the answer) or handed it to a person with the suggestions attached for the agent; reasons say why.',
  contactScoped: false,
  schema: z.object({
    conversationId: z.uuid(),
    messageId: z.uuid(),
    channel: z.enum(CHANNELS),
    channelId: z.string().min(1).max(100),
    contactId: z.uuid().optional(),
    decision: z.enum(['answered', 'handed-off']),
    reasons: z.array(z.enum(ANSWER_REASONS)).min(1).max(ANSWER_REASONS.length),
    confidence: z.number().min(0).max(1),
    threshold: z.number().min(0).max(1),
    suggestions: z.array(suggestion).max(SUGGESTIONS_MAX),
    answer: z
      .object({
        replyId: z.uuid(),
        articleId,
        locale,
        title: z.string().min(1).max(ARTICLE_TITLE_MAX),
        text: z.string().min(1).max(ANSWER_TEXT_MAX),
      })
      .optional(),
    at,
  }),
});

export const ARTICLE_EVENTS = [
  articleCreated,
  articleRevised,
  articleClassified,
  reviewRequested,
  reviewCommented,
  reviewApproved,
  changesRequested,
  publishScheduled,
  articlePublished,
  articleUnpublished,
  articleArchived,
  articleVerified,
  articleFlaggedStale,
] as const;

export const KNOWLEDGE_EVENTS = [
  ...ARTICLE_EVENTS,
  articleViewed,
  feedbackGiven,
  updateRequested,
  updateRequestResolved,
  searchRecorded,
  synonymsConfigured,
  answerPolicyConfigured,
  autoAnswerDecided,
] as const;

/** Every knowledge event, type and data. */
export type KnowledgeEvent = EventOf<(typeof KNOWLEDGE_EVENTS)[number]>;
/** The events of an article stream. */
export type ArticleEventOf = EventOf<(typeof ARTICLE_EVENTS)[number]>;
/** One knowledge event's data, by type. */
export type KnowledgeEventData<T extends KnowledgeEvent['type']> = Extract<
  KnowledgeEvent,
  { type: T }
>['data'];
