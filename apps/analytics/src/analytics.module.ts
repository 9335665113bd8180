import { Module } from '@nestjs/common';

/** The analytics bounded context. Its features arrive as modules imported here. */
@Module({})
export class AnalyticsModule {}
