import { v5 as uuidv5 } from 'uuid';

const NAMESPACE = '9c2e6b1a-3f4d-4a5b-8c7d-1e2f3a4b5c6d';

/** The streams the knowledge service writes. */
export const articleStream = (articleId: string) => `article-${articleId}`;
/** Readers' votes and update requests of one article (kept out of the article's own stream). */
export const articleActivityStream = (articleId: string) => `kb-activity-${articleId}`;
/** Readers' views of one article (many, never read back by a command). */
export const articleViewsStream = (articleId: string) => `kb-views-${articleId}`;
/** The searches of one day (UTC). */
export const searchLogStream = (day: string) => `kb-searches-${day}`;
/** The auto-answer decisions of one conversation ("never twice in a row" is decided from it). */
export const answerStream = (conversationId: string) => `kb-answers-${conversationId}`;
export const SYNONYMS_STREAM = 'kb-settings-synonyms';
export const ANSWER_POLICY_STREAM = 'kb-settings-answer-policy';
/** What the search index follows in the log: article content and the settings it applies. */
export const INDEXED_STREAM_PREFIXES = ['article-', 'kb-settings-'] as const;

/** An id derived from a command key, so a retried command appends nothing twice. */
export const derivedId = (key: string) => uuidv5(key, NAMESPACE);
