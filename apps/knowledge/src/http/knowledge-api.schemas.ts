import { z } from 'zod';
import {
  ANSWER_REASONS,
  ARTICLE_AUDIENCES,
  ARTICLE_BODY_MAX,
  ARTICLE_LIST_MAX,
  ARTICLE_TITLE_MAX,
  FEEDBACK_REASONS,
  handle,
  KNOWLEDGE_CHANNELS,
  KNOWLEDGE_LOCALES,
  KNOWLEDGE_NOTE_MAX,
  PRODUCT_FLAGS,
  SEARCH_QUERY_MAX,
  SYNONYM_SETS_MAX,
  SYNONYM_TERMS_MAX,
  VIP_TIERS,
} from '@journey/contracts';

// The knowledge API's inputs and answers: the same bounds as the events they become.

export const locale = z.enum(KNOWLEDGE_LOCALES, {
  error: (issue) => `unknown locale ${JSON.stringify(issue.input)}: one of ${KNOWLEDGE_LOCALES.join(', ')}`,
});
const tags = z.array(z.string().min(1).max(64)).max(ARTICLE_LIST_MAX);
const products = z.array(handle).max(ARTICLE_LIST_MAX);
const note = z.string().trim().min(1).max(KNOWLEDGE_NOTE_MAX);

export const contentSchema = z.object({
  title: z.string().trim().min(1).max(ARTICLE_TITLE_MAX),
  body: z.string().max(ARTICLE_BODY_MAX, `the body is longer than ${ARTICLE_BODY_MAX} characters`),
  tags: tags.default([]),
});

/** A new article: JSON fields, or one Markdown file with YAML front matter in `markdown`. */
export const createArticleSchema = z
  .object({
    locale,
    owner: z.string().min(1).max(200).optional(),
    category: handle.optional(),
    products: products.default([]),
    audience: z.enum(ARTICLE_AUDIENCES).default('public'),
    reviewIntervalDays: z.number().int().min(1).max(3650).default(180),
    title: z.string().trim().min(1).max(ARTICLE_TITLE_MAX),
    body: z.string().max(ARTICLE_BODY_MAX, `the body is longer than ${ARTICLE_BODY_MAX} characters`),
    tags: tags.default([]),
    note: note.optional(),
  })
  .strict();

export const reviseSchema = contentSchema
  .extend({
    note: note.optional(),
    /** The revision the edit started from: a later save by someone else answers 409. */
    baseRevision: z.number().int().min(0).optional(),
  })
  .strict();

export const markdownSchema = z
  .object({
    markdown: z
      .string()
      .min(1)
      .max(ARTICLE_BODY_MAX + 10_000, 'the Markdown file is too large'),
  })
  .strict();

export const classifySchema = z
  .object({
    owner: z.string().min(1).max(200).optional(),
    category: handle.optional(),
    products: products.optional(),
    audience: z.enum(ARTICLE_AUDIENCES).optional(),
    reviewIntervalDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict()
  .refine((c) => Object.keys(c).length > 0, 'change at least one field');

export const reviewRequestSchema = z
  .object({ reviewers: z.array(z.string().min(1).max(200)).min(1).max(ARTICLE_LIST_MAX) })
  .strict();
export const commentSchema = z.object({ text: note }).strict();
export const noteOnlySchema = z.object({ note: note.optional() }).strict();
export const publishSchema = z
  .object({
    /** Admins only: publish a draft that has not been reviewed. */
    skipReview: z.boolean().default(false),
  })
  .strict();
export const scheduleSchema = z.object({ publishAt: z.iso.datetime({ offset: true }) }).strict();
export const restoreSchema = z.object({ revision: z.number().int().min(1), note: note.optional() }).strict();

export const listQuerySchema = z
  .object({
    owner: z.string().min(1).max(200).optional(),
    status: z.enum(['draft', 'in-review', 'approved']).optional(),
    locale: locale.optional(),
    stale: z.enum(['true', 'false']).optional(),
    published: z.enum(['true', 'false']).optional(),
    category: handle.optional(),
    offset: z.coerce.number().int().min(0).max(100_000).default(0),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const diffQuerySchema = z
  .object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) })
  .strict();

const list = (item: z.ZodType<string>) =>
  z.union([item, z.array(item).max(ARTICLE_LIST_MAX)]).transform((v) => (Array.isArray(v) ? v : [v]));

export const searchQuerySchema = z
  .object({
    q: z
      .string()
      .trim()
      .min(1, 'q is empty')
      .max(SEARCH_QUERY_MAX, `q is longer than ${SEARCH_QUERY_MAX} characters`),
    locale: locale.optional(),
    product: list(handle).optional(),
    category: handle.optional(),
    channel: z.enum(KNOWLEDGE_CHANNELS).default('api'),
    offset: z.coerce.number().int().min(0).max(1_000).default(0),
    limit: z.coerce.number().int().min(1).max(50).default(10),
    /** Completes the last word (as-you-type). */
    asYouType: z.enum(['true', 'false']).optional(),
  })
  .strict();

export const agentSearchQuerySchema = searchQuerySchema.extend({
  /** The widest audience to search (capped by the caller's role). */
  audience: z.enum(ARTICLE_AUDIENCES).default('internal'),
  channel: z.enum(KNOWLEDGE_CHANNELS).default('agent-workspace'),
});

export const readQuerySchema = z
  .object({ locale, channel: z.enum(KNOWLEDGE_CHANNELS).default('portal'), contactId: z.uuid().optional() })
  .strict();

export const feedbackSchema = z
  .object({
    locale,
    helpful: z.boolean(),
    reason: z.enum(FEEDBACK_REASONS).optional(),
    comment: note.optional(),
    channel: z.enum(KNOWLEDGE_CHANNELS).default('portal'),
    contactId: z.uuid().optional(),
  })
  .strict()
  .refine((f) => f.helpful || f.reason !== undefined, 'say why it did not help (reason)');

export const updateRequestSchema = z
  .object({
    locale,
    reason: z.enum(FEEDBACK_REASONS),
    text: note.optional(),
    channel: z.enum(KNOWLEDGE_CHANNELS).default('portal'),
    contactId: z.uuid().optional(),
  })
  .strict();

export const resolveRequestSchema = z.object({ resolution: z.enum(['updated', 'declined']) }).strict();

export const gapsQuerySchema = z
  .object({
    from: z.iso.date().optional(),
    to: z.iso.date().optional(),
    locale: locale.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

export const synonymsSchema = z
  .object({
    locale,
    sets: z
      .array(z.array(z.string().trim().min(1).max(64)).min(2).max(SYNONYM_TERMS_MAX))
      .max(SYNONYM_SETS_MAX),
  })
  .strict();

export const answerPolicySchema = z
  .object({
    enabled: z.boolean().default(true),
    threshold: z.number().min(0).max(1),
    humanOnlyVipTiers: z.array(z.enum(VIP_TIERS)).max(VIP_TIERS.length).default([]),
    products: z
      .array(
        z
          .object({
            product: handle,
            flags: z.array(z.enum(PRODUCT_FLAGS)).min(1).max(PRODUCT_FLAGS.length),
            names: z.array(z.string().min(1).max(64)).max(ARTICLE_LIST_MAX).default([]),
          })
          .strict(),
      )
      .max(500)
      .default([]),
    personPhrases: z.array(z.string().min(1).max(64)).max(200).default([]),
  })
  .strict();

// Answers.
export const commandAnswer = z.object({
  articleId: z.uuid(),
  events: z.array(z.string()),
  revision: z.number().int().optional(),
});
const hit = z.object({
  articleId: z.uuid(),
  locale: z.enum(KNOWLEDGE_LOCALES),
  title: z.string(),
  audience: z.enum(ARTICLE_AUDIENCES),
  products: z.array(z.string()),
  category: z.string().optional(),
  tags: z.array(z.string()),
  score: z.number(),
  confidence: z.number().min(0).max(1),
  highlights: z.object({ title: z.string(), snippet: z.string() }),
  stale: z.boolean(),
  outdated: z.boolean(),
});
export const searchAnswer = z.object({ total: z.number().int(), hits: z.array(hit), searchId: z.uuid() });
export const articleReadAnswer = z.object({
  articleId: z.uuid(),
  locale: z.enum(KNOWLEDGE_LOCALES),
  revision: z.number().int(),
  title: z.string(),
  html: z.string(),
  tags: z.array(z.string()),
  products: z.array(z.string()),
  category: z.string().optional(),
  publishedAt: z.string(),
  outdated: z.boolean(),
  translations: z.array(z.enum(KNOWLEDGE_LOCALES)),
});
export const catalogueEntry = z
  .object({
    articleId: z.uuid(),
    sourceLocale: z.string(),
    owner: z.string(),
    audience: z.string(),
    locales: z.record(z.string(), z.unknown()),
  })
  .passthrough();
export const cataloguePage = z.object({ articles: z.array(catalogueEntry), total: z.number().int() });
export const revisionsAnswer = z.object({
  revisions: z.array(
    z.object({
      revision: z.number().int(),
      title: z.string(),
      author: z.string(),
      at: z.string(),
      note: z.string().optional(),
      restoredFrom: z.number().int().optional(),
      sourceRevision: z.number().int().optional(),
    }),
  ),
});
export const diffAnswer = z.object({
  from: z.number().int(),
  to: z.number().int(),
  title: z.object({ from: z.string(), to: z.string() }),
  tags: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }),
  /** The body's changes as a unified diff. */
  patch: z.string(),
  changes: z.array(
    z.object({ kind: z.enum(['added', 'removed', 'same']), lines: z.number().int(), text: z.string() }),
  ),
});
export const gapsAnswer = z.object({
  queries: z.array(
    z.object({
      query: z.string(),
      locale: z.string(),
      searches: z.number(),
      none: z.number(),
      poor: z.number(),
      lastAt: z.string(),
    }),
  ),
  articles: z.array(
    z.object({
      articleId: z.string(),
      views: z.number(),
      helpful: z.number(),
      notHelpful: z.number(),
      openRequests: z.number(),
      reasons: z.record(z.string(), z.number()),
    }),
  ),
});
export const okAnswer = z.object({ ok: z.literal(true) });
export const revisionAnswer = z.object({
  revision: z.number().int(),
  title: z.string(),
  body: z.string(),
  tags: z.array(z.string()),
  author: z.string(),
  at: z.string(),
  note: z.string().optional(),
  html: z.string(),
});
export const commentsAnswer = z.object({
  comments: z.array(
    z
      .object({
        commentId: z.uuid(),
        revision: z.number().int(),
        text: z.string(),
        by: z.string(),
        at: z.string(),
      })
      .passthrough(),
  ),
});
export const indexStatusAnswer = z.object({
  caughtUp: z.boolean(),
  events: z.number().int(),
  articles: z.number().int(),
});
export const requestsAnswer = z.object({
  requests: z.array(
    z
      .object({
        requestId: z.uuid(),
        articleId: z.uuid(),
        locale: z.string(),
        reason: z.string(),
        status: z.string(),
        at: z.string(),
      })
      .passthrough(),
  ),
});
export const policyAnswer = answerPolicySchema;
export const requestAnswer = z.object({ ok: z.literal(true), requestId: z.uuid() });

export const suggestionsAnswer = z.object({
  conversationId: z.uuid(),
  channel: z.string(),
  contactId: z.uuid().optional(),
  answered: z.number().int().describe('Messages of the conversation answered automatically'),
  handedOff: z.number().int().describe('Messages handed to a person'),
  last: z.object({
    messageId: z.uuid(),
    decision: z.enum(['answered', 'handed-off']),
    reasons: z.array(z.enum(ANSWER_REASONS)),
    confidence: z.number(),
    threshold: z.number(),
    suggestions: z.array(
      z.object({ articleId: z.uuid(), locale: z.string(), title: z.string(), confidence: z.number() }),
    ),
    answer: z.object({ replyId: z.uuid(), articleId: z.uuid(), locale: z.string() }).optional(),
    at: z.string(),
  }),
});

export const similarQuerySchema = z.object({
  q: z.string().trim().min(1).max(SEARCH_QUERY_MAX),
  limit: z.coerce.number().int().min(1).max(20).default(5),
});
export const similarLimitSchema = similarQuerySchema.pick({ limit: true });
export const similarAnswer = z.object({
  cases: z.array(
    z.object({
      ticketId: z.uuid(),
      subject: z.string().optional(),
      reply: z.string().optional().describe('The last public agent reply: how the case was solved'),
      group: z.string(),
      channel: z.string(),
      solvedAt: z.string().optional(),
      score: z.number(),
    }),
  ),
});

/** One article in a JSON-lines import or export: its metadata and every locale's content. */
export const transferLineSchema = z
  .object({
    /** The article's id here (an export's); absent, it derives from externalId so a re-import updates. */
    articleId: z.uuid().optional(),
    /** The article's id in the help centre it comes from. */
    externalId: z.string().min(1).max(200).optional(),
    sourceLocale: locale,
    owner: z.string().min(1).max(200).optional(),
    category: handle.optional(),
    products: products.default([]),
    audience: z.enum(ARTICLE_AUDIENCES).default('public'),
    reviewIntervalDays: z.number().int().min(1).max(3650).default(180),
    locales: z
      .partialRecord(locale, contentSchema.extend({ published: z.boolean().default(true) }).strict())
      .refine((l) => Object.keys(l).length > 0, 'at least one locale'),
  })
  .strict()
  .refine(
    (a) => a.articleId ?? a.externalId,
    'articleId or externalId is required (a re-import updates, never duplicates)',
  )
  .refine((a) => a.locales[a.sourceLocale], 'the source locale must be among the locales');
export type TransferLine = z.infer<typeof transferLineSchema>;

export const importAnswer = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  failed: z.number().int(),
  articles: z.array(
    z.object({
      line: z.number().int(),
      articleId: z.uuid(),
      outcome: z.enum(['created', 'updated', 'unchanged', 'failed']),
      reason: z.string().optional(),
    }),
  ),
});
