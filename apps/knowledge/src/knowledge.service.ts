import type { ServiceDefinition } from '@journey/platform';
import { KnowledgeModule } from './knowledge.module';

export const knowledgeService: ServiceDefinition = {
  name: 'knowledge',
  module: KnowledgeModule,
  description:
    'The shared knowledge base: articles with versions and a draft-review-publish workflow, locales, CJK-aware search, feedback and answer suggestions.',
};
