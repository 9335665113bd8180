import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiErrors } from '../openapi/api-errors.decorator';
import type { Role } from './roles';

export const REQUIRED_ROLES = 'journey:roles';

/**
 * Restricts a controller or route to principals holding one of these roles (admins always pass),
 * and says so in the OpenAPI document (401 without a valid token, 403 without the role).
 */
export const Roles = (...roles: Role[]) =>
  applyDecorators(SetMetadata(REQUIRED_ROLES, roles), ApiErrors(401, 403));
