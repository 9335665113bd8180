import { Module } from '@nestjs/common';

/** The channels bounded context. Its features arrive as modules imported here. */
@Module({})
export class ChannelsModule {}
