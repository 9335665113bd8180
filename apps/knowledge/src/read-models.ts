import type { ReadModel } from '@journey/projections';
import { articleCatalogueProjection } from './article/adapters/article-catalogue.projection';
import { answerContactsProjection } from './answer/adapters/answer-contacts.projection';
import { conversationSuggestionsProjection } from './answer/adapters/conversation-suggestions.projection';
import { contentGapsProjection } from './feedback/adapters/content-gaps.projection';
import { solvedCasesProjection } from './similar/adapters/solved-cases.projection';

/**
 * The projections the knowledge service owns, in its MongoDB database: what its replay entry point
 * (`node apps/knowledge/dist/replay.js`) rebuilds and what `journey projections` reports. (The search
 * index is not one of them: each replica folds the article log into memory itself; see SearchIndex.)
 */
export const ARTICLE_CATALOGUE: ReadModel = {
  projection: articleCatalogueProjection,
  service: 'knowledge',
  topics: ['journey.knowledge.v1'],
};
export const CONTENT_GAPS: ReadModel = {
  projection: contentGapsProjection,
  service: 'knowledge',
  topics: ['journey.knowledge.v1'],
};

/** Auto-answer's decisions per conversation (the suggestions an agent sees when taking it over). */
export const CONVERSATION_SUGGESTIONS: ReadModel = {
  projection: conversationSuggestionsProjection,
  service: 'knowledge',
  topics: ['journey.knowledge.v1'],
};
/** Which contact a conversation belongs to and their VIP tier (auto-answer's policy needs both). */
export const ANSWER_CONTACTS: ReadModel = {
  projection: answerContactsProjection,
  service: 'knowledge',
  topics: ['journey.contacts.v1'],
};

/** Tickets as cases (subject, last agent reply, solved or not), for "similar solved cases". */
export const SOLVED_CASES: ReadModel = {
  projection: solvedCasesProjection,
  service: 'knowledge',
  topics: ['journey.tickets.v1'],
};

export const READ_MODELS: readonly ReadModel[] = [
  ARTICLE_CATALOGUE,
  CONTENT_GAPS,
  CONVERSATION_SUGGESTIONS,
  ANSWER_CONTACTS,
  SOLVED_CASES,
];
