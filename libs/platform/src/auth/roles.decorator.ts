import { SetMetadata } from '@nestjs/common';
import type { Role } from './roles';

export const REQUIRED_ROLES = 'journey:roles';

/** Restricts a controller or route to principals holding one of these roles (admins always pass). */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);
