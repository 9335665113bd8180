import { Module } from '@nestjs/common';

/** The knowledge bounded context. Its features arrive as modules imported here. */
@Module({})
export class KnowledgeModule {}
