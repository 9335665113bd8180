import { Module } from '@nestjs/common';

/** The tickets bounded context. Its features arrive as modules imported here. */
@Module({})
export class TicketsModule {}
