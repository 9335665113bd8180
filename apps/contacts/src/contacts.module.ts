import { Module } from '@nestjs/common';

/** The contacts bounded context. Its features arrive as modules imported here. */
@Module({})
export class ContactsModule {}
