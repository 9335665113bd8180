import { Module } from '@nestjs/common';
import { EventSourcingModule } from '@journey/messaging';
import { AutoAnswerConsumer } from './answer/auto-answer.consumer';
import { ArticleScheduler } from './article/article-scheduler';
import { Articles } from './article/articles';
import { ArticleTransfer } from './article/article-transfer';
import { Catalogue } from './article/catalogue';
import { ReaderActivity } from './feedback/reader-activity';
import { ArticleTransferController } from './http/article-transfer.controller';
import { AnswersController } from './http/answers.controller';
import { ArticlesController } from './http/articles.controller';
import { HelpCenterController } from './http/help-center.controller';
import { ReportsController } from './http/reports.controller';
import { SearchController } from './http/search.controller';
import { SimilarCasesController } from './http/similar-cases.controller';
import { SettingsController } from './http/settings.controller';
import { KNOWLEDGE_OPTIONS, loadKnowledgeOptions } from './knowledge-options';
import { KnowledgeSearch } from './search/knowledge-search';
import { SearchIndex } from './search/search-index';
import { SimilarCases } from './similar/similar-cases';

/** The knowledge bounded context: articles and their workflow, search, readers' feedback, content gaps and auto-answer. */
@Module({
  imports: [EventSourcingModule.forService()],
  // The transfer routes before the article routes: /v1/articles/export is not an article id.
  controllers: [
    ArticleTransferController,
    ArticlesController,
    AnswersController,
    HelpCenterController,
    SearchController,
    ReportsController,
    SettingsController,
    SimilarCasesController,
  ],
  providers: [
    { provide: KNOWLEDGE_OPTIONS, useFactory: () => loadKnowledgeOptions() },
    ArticleScheduler,
    Articles,
    ArticleTransfer,
    AutoAnswerConsumer,
    Catalogue,
    KnowledgeSearch,
    ReaderActivity,
    SearchIndex,
    SimilarCases,
  ],
})
export class KnowledgeModule {}
