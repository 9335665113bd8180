import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'journey:public';

/** Marks a controller or route as reachable without a token (health probes, signed webhooks). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
