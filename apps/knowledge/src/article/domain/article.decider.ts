import { reject } from '@journey/eventstore';
import type { Decider, Rejection } from '@journey/eventstore';
import type { ArticleAudience, ArticleEventOf, KnowledgeLocale } from '@journey/contracts';

export type ArticleEvent = ArticleEventOf;

/** Where one locale of an article stands in the workflow (its latest revision's state). */
export type LocaleStatus = 'draft' | 'in-review' | 'approved';

export interface LocaleState {
  /** The latest revision (the one being worked on) and what it holds. */
  latest: number;
  content: Content;
  status: LocaleStatus;
  /** Who wrote the latest revision (they may not approve it). */
  author: string;
  /** For a translation: the source locale's revision the latest revision was made from. */
  sourceRevision?: number;
  reviewers: string[];
  published?: { revision: number; reviewBy: string; sourceRevision?: number };
  scheduled?: { revision: number; publishAt: string };
  stale: boolean;
}

export interface ArticleState {
  articleId?: string;
  sourceLocale?: KnowledgeLocale;
  owner?: string;
  audience?: ArticleAudience;
  reviewIntervalDays: number;
  archived: boolean;
  locales: Map<KnowledgeLocale, LocaleState>;
}

export interface Content {
  title: string;
  body: string;
  tags: string[];
}

export type ArticleCommand =
  | {
      kind: 'create';
      articleId: string;
      sourceLocale: KnowledgeLocale;
      owner: string;
      category?: string;
      products: string[];
      audience: ArticleAudience;
      reviewIntervalDays: number;
      content: Content;
      note?: string;
      by: string;
      now: string;
    }
  | {
      kind: 'revise';
      locale: KnowledgeLocale;
      content: Content;
      note?: string;
      /** The revision the editor started from: a revision saved meanwhile by someone else is a conflict. */
      baseRevision?: number;
      restoredFrom?: number;
      by: string;
      now: string;
    }
  | {
      kind: 'classify';
      owner?: string;
      category?: string;
      products?: string[];
      audience?: ArticleAudience;
      reviewIntervalDays?: number;
      by: string;
      now: string;
    }
  | { kind: 'request-review'; locale: KnowledgeLocale; reviewers: string[]; by: string; now: string }
  | { kind: 'comment'; locale: KnowledgeLocale; commentId: string; text: string; by: string; now: string }
  | { kind: 'approve'; locale: KnowledgeLocale; by: string; now: string }
  | { kind: 'request-changes'; locale: KnowledgeLocale; note?: string; by: string; now: string }
  | {
      kind: 'publish';
      locale: KnowledgeLocale;
      /** An admin may publish a draft without review (a fix that cannot wait); others need an approval. */
      skipReview: boolean;
      by: string;
      now: string;
    }
  | { kind: 'schedule'; locale: KnowledgeLocale; publishAt: string; by: string; now: string }
  | { kind: 'cancel-schedule'; locale: KnowledgeLocale; by: string; now: string }
  /** The scheduler's: publishes what was scheduled once its time came. */
  | { kind: 'publish-scheduled'; locale: KnowledgeLocale; now: string }
  | { kind: 'unpublish'; locale: KnowledgeLocale; note?: string; by: string; now: string }
  | { kind: 'archive'; by: string; now: string }
  | { kind: 'verify'; locale: KnowledgeLocale; by: string; now: string }
  /** The scheduler's: a published locale past its review-by date. */
  | { kind: 'flag-stale'; locale: KnowledgeLocale; now: string };

export const NO_ARTICLE = 'no such article';
export const ARCHIVED = 'the article is archived';
const DAY_MS = 86_400_000;

export function addDays(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * DAY_MS).toISOString();
}

/** True when a translation was made from an older revision than the source's published one. */
export function isOutdated(state: ArticleState, locale: KnowledgeLocale): boolean {
  if (!state.sourceLocale || locale === state.sourceLocale) return false;
  const source = state.locales.get(state.sourceLocale)?.published;
  const translation = state.locales.get(locale)?.published;
  if (!source || !translation) return false;
  return (translation.sourceRevision ?? 0) < source.revision;
}

function withLocale(
  state: ArticleState,
  locale: KnowledgeLocale,
  change: Partial<LocaleState>,
): ArticleState {
  const current = state.locales.get(locale);
  if (!current) return state;
  return { ...state, locales: new Map(state.locales).set(locale, { ...current, ...change }) };
}

/**
 * One article's stream: its locales and their revisions, the draft → in review → approved → published
 * workflow of each locale, scheduled publishing, unpublish and archive, and the review-by date that
 * keeps published content from going stale unnoticed.
 */
export const articleDecider: Decider<ArticleCommand, ArticleState, ArticleEvent> = {
  initialState: () => ({ reviewIntervalDays: 180, archived: false, locales: new Map() }),

  evolve(state, event) {
    switch (event.type) {
      case 'knowledge.article-created.v1': {
        const d = event.data;
        return {
          ...state,
          articleId: d.articleId,
          sourceLocale: d.sourceLocale,
          owner: d.owner,
          audience: d.audience,
          reviewIntervalDays: d.reviewIntervalDays,
        };
      }
      case 'knowledge.article-revised.v1': {
        const d = event.data;
        const current = state.locales.get(d.locale);
        const next: LocaleState = {
          latest: d.revision,
          content: { title: d.title, body: d.body, tags: d.tags },
          status: 'draft',
          author: d.author,
          reviewers: [],
          stale: current?.stale ?? false,
          ...(d.sourceRevision !== undefined ? { sourceRevision: d.sourceRevision } : {}),
          ...(current?.published ? { published: current.published } : {}),
        };
        return { ...state, locales: new Map(state.locales).set(d.locale, next) };
      }
      case 'knowledge.article-classified.v1': {
        const d = event.data;
        return {
          ...state,
          ...(d.owner ? { owner: d.owner } : {}),
          ...(d.audience ? { audience: d.audience } : {}),
          ...(d.reviewIntervalDays ? { reviewIntervalDays: d.reviewIntervalDays } : {}),
        };
      }
      case 'knowledge.review-requested.v1':
        return withLocale(state, event.data.locale, { status: 'in-review', reviewers: event.data.reviewers });
      case 'knowledge.review-approved.v1':
        return withLocale(state, event.data.locale, { status: 'approved' });
      case 'knowledge.changes-requested.v1':
        return withLocale(state, event.data.locale, { status: 'draft', reviewers: [] });
      case 'knowledge.review-commented.v1':
        return state;
      case 'knowledge.publish-scheduled.v1': {
        const d = event.data;
        const { scheduled: _s, ...rest } = state.locales.get(d.locale) ?? ({} as LocaleState);
        if (d.cancelled || !d.publishAt)
          return { ...state, locales: new Map(state.locales).set(d.locale, rest as LocaleState) };
        return withLocale(state, d.locale, { scheduled: { revision: d.revision, publishAt: d.publishAt } });
      }
      case 'knowledge.article-published.v1': {
        const d = event.data;
        const current = state.locales.get(d.locale);
        if (!current) return state;
        const { scheduled: _s, ...rest } = current;
        const sourceRevision = current.sourceRevision;
        return {
          ...state,
          locales: new Map(state.locales).set(d.locale, {
            ...rest,
            stale: false,
            published: {
              revision: d.revision,
              reviewBy: d.reviewBy,
              ...(sourceRevision !== undefined ? { sourceRevision } : {}),
            },
          }),
        };
      }
      case 'knowledge.article-unpublished.v1': {
        const current = state.locales.get(event.data.locale);
        if (!current) return state;
        const { published: _p, scheduled: _s, ...rest } = current;
        return {
          ...state,
          locales: new Map(state.locales).set(event.data.locale, { ...rest, stale: false }),
        };
      }
      case 'knowledge.article-archived.v1': {
        const locales = new Map<KnowledgeLocale, LocaleState>();
        for (const [locale, l] of state.locales) {
          const { published: _p, scheduled: _s, ...rest } = l;
          locales.set(locale, { ...rest, stale: false });
        }
        return { ...state, archived: true, locales };
      }
      case 'knowledge.article-verified.v1': {
        const current = state.locales.get(event.data.locale);
        if (!current?.published) return state;
        return withLocale(state, event.data.locale, {
          stale: false,
          published: { ...current.published, reviewBy: event.data.reviewBy },
        });
      }
      case 'knowledge.article-flagged-stale.v1':
        return withLocale(state, event.data.locale, { stale: true });
      default:
        return state;
    }
  },

  decide(command, state): ArticleEvent[] | Rejection {
    const articleId = state.articleId;
    if (command.kind === 'create') {
      if (articleId) return reject('the article already exists');
      const { content: c } = command;
      return [
        {
          type: 'knowledge.article-created.v1',
          data: {
            articleId: command.articleId,
            sourceLocale: command.sourceLocale,
            owner: command.owner,
            ...(command.category ? { category: command.category } : {}),
            products: command.products,
            audience: command.audience,
            reviewIntervalDays: command.reviewIntervalDays,
            by: command.by,
            at: command.now,
          },
        },
        {
          type: 'knowledge.article-revised.v1',
          data: {
            articleId: command.articleId,
            locale: command.sourceLocale,
            revision: 1,
            title: c.title,
            body: c.body,
            tags: c.tags,
            author: command.by,
            ...(command.note ? { note: command.note } : {}),
            at: command.now,
          },
        },
      ];
    }
    if (!articleId || !state.sourceLocale) return reject(NO_ARTICLE);
    if (state.archived) return reject(ARCHIVED);
    const at = command.now;

    if (command.kind === 'classify') {
      const { kind: _k, now: _n, by, ...change } = command;
      return [{ type: 'knowledge.article-classified.v1', data: { articleId, ...change, by, at } }];
    }
    if (command.kind === 'archive')
      return [{ type: 'knowledge.article-archived.v1', data: { articleId, by: command.by, at } }];

    const { locale } = command;
    const current = state.locales.get(locale);

    if (command.kind === 'revise') {
      if (command.baseRevision !== undefined && command.baseRevision !== (current?.latest ?? 0))
        return reject(
          `revision ${current?.latest ?? 0} of ${locale} was saved after revision ${command.baseRevision} that this edit started from`,
        );
      const source = state.locales.get(state.sourceLocale);
      const isTranslation = locale !== state.sourceLocale;
      if (isTranslation && !source) return reject('the source locale has no revision to translate');
      const c = command.content;
      // An edit replaces what was scheduled: what goes live is always the latest approved revision.
      const cancel: ArticleEvent[] = current?.scheduled
        ? [
            {
              type: 'knowledge.publish-scheduled.v1',
              data: {
                articleId,
                locale,
                revision: current.scheduled.revision,
                cancelled: true,
                by: command.by,
                at,
              },
            },
          ]
        : [];
      return [
        ...cancel,
        {
          type: 'knowledge.article-revised.v1',
          data: {
            articleId,
            locale,
            revision: (current?.latest ?? 0) + 1,
            title: c.title,
            body: c.body,
            tags: c.tags,
            author: command.by,
            ...(command.note ? { note: command.note } : {}),
            // A translation is made from the source as it is published (else as it is drafted).
            ...(isTranslation && source
              ? { sourceRevision: source.published?.revision ?? source.latest }
              : {}),
            ...(command.restoredFrom !== undefined ? { restoredFrom: command.restoredFrom } : {}),
            at,
          },
        },
      ];
    }
    if (!current) return reject(`the article has no ${locale} version`);
    const revision = current.latest;

    switch (command.kind) {
      case 'request-review':
        if (current.status !== 'draft') return reject(`revision ${revision} is already ${current.status}`);
        if (current.published?.revision === revision)
          return reject(`revision ${revision} is already published`);
        return [
          {
            type: 'knowledge.review-requested.v1',
            data: {
              articleId,
              locale,
              revision,
              reviewers: [...new Set(command.reviewers)],
              by: command.by,
              at,
            },
          },
        ];
      case 'comment':
        return [
          {
            type: 'knowledge.review-commented.v1',
            data: {
              articleId,
              locale,
              revision,
              commentId: command.commentId,
              text: command.text,
              by: command.by,
              at,
            },
          },
        ];
      case 'approve':
        if (current.status !== 'in-review') return reject(`revision ${revision} is not in review`);
        if (!current.reviewers.includes(command.by))
          return reject('only a reviewer named on the request may approve');
        if (current.author === command.by) return reject('an author cannot approve their own revision');
        return [
          { type: 'knowledge.review-approved.v1', data: { articleId, locale, revision, by: command.by, at } },
        ];
      case 'request-changes':
        if (current.status !== 'in-review') return reject(`revision ${revision} is not in review`);
        if (!current.reviewers.includes(command.by))
          return reject('only a reviewer named on the request may send it back');
        return [
          {
            type: 'knowledge.changes-requested.v1',
            data: {
              articleId,
              locale,
              revision,
              ...(command.note ? { note: command.note } : {}),
              by: command.by,
              at,
            },
          },
        ];
      case 'publish':
      case 'publish-scheduled': {
        if (command.kind === 'publish-scheduled') {
          if (!current.scheduled || Date.parse(current.scheduled.publishAt) > Date.parse(at)) return [];
          // Scheduled before this guard existed, of a revision published since: the schedule is spent.
          if (current.published?.revision === current.scheduled.revision)
            return [
              {
                type: 'knowledge.publish-scheduled.v1',
                data: {
                  articleId,
                  locale,
                  revision: current.scheduled.revision,
                  cancelled: true,
                  by: 'scheduler',
                  at,
                },
              },
            ];
        } else if (current.status !== 'approved' && !command.skipReview)
          return reject(`revision ${revision} has not been approved (request a review first)`);
        if (current.published?.revision === revision)
          return reject(`revision ${revision} is already published`);
        return [
          {
            type: 'knowledge.article-published.v1',
            data: {
              articleId,
              locale,
              revision,
              ...current.content,
              ...(current.sourceRevision !== undefined ? { sourceRevision: current.sourceRevision } : {}),
              reviewBy: addDays(at, state.reviewIntervalDays),
              ...(command.kind === 'publish-scheduled'
                ? { scheduled: true, by: 'scheduler' }
                : { by: command.by }),
              at,
            },
          },
        ];
      }
      case 'schedule':
        if (current.status !== 'approved') return reject(`revision ${revision} has not been approved`);
        // Its publication would be refused when due, and the schedule would wait forever.
        if (current.published?.revision === revision)
          return reject(`revision ${revision} is already published`);
        if (Date.parse(command.publishAt) <= Date.parse(at)) return reject('publishAt must be in the future');
        return [
          {
            type: 'knowledge.publish-scheduled.v1',
            data: { articleId, locale, revision, publishAt: command.publishAt, by: command.by, at },
          },
        ];
      case 'cancel-schedule':
        if (!current.scheduled) return reject('nothing is scheduled');
        return [
          {
            type: 'knowledge.publish-scheduled.v1',
            data: {
              articleId,
              locale,
              revision: current.scheduled.revision,
              cancelled: true,
              by: command.by,
              at,
            },
          },
        ];
      case 'unpublish':
        if (!current.published) return reject(`${locale} is not published`);
        return [
          {
            type: 'knowledge.article-unpublished.v1',
            data: { articleId, locale, ...(command.note ? { note: command.note } : {}), by: command.by, at },
          },
        ];
      case 'verify':
        if (!current.published) return reject(`${locale} is not published`);
        return [
          {
            type: 'knowledge.article-verified.v1',
            data: { articleId, locale, reviewBy: addDays(at, state.reviewIntervalDays), by: command.by, at },
          },
        ];
      case 'flag-stale':
        if (!current.published || current.stale || Date.parse(current.published.reviewBy) > Date.parse(at))
          return [];
        return [
          {
            type: 'knowledge.article-flagged-stale.v1',
            data: {
              articleId,
              locale,
              owner: state.owner ?? 'unknown',
              reviewBy: current.published.reviewBy,
              at,
            },
          },
        ];
    }
  },
};
