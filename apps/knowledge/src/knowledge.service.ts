import type { ServiceDefinition } from '@journey/platform';
import { IMPORT_BODY_LIMIT } from './http/article-transfer.controller';
import { KnowledgeModule } from './knowledge.module';

export const knowledgeService: ServiceDefinition = {
  name: 'knowledge',
  module: KnowledgeModule,
  largeBodies: [{ path: '/v1/articles/import', limit: IMPORT_BODY_LIMIT }],
  description:
    'The shared knowledge base: articles with versions and a draft-review-publish workflow, locales, CJK-aware search, feedback and answer suggestions.',
};
