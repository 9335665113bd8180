import { Injectable, UnauthorizedException, ForbiddenException } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { IS_PUBLIC } from './public.decorator';
import { REQUIRED_ROLES } from './roles.decorator';
import { hasAnyRole } from './roles';
import type { Principal, Role } from './roles';
import { TokenRejected, TokenVerifier } from './token-verifier';

export type AuthenticatedRequest = Request & { principal?: Principal };

/** Every HTTP route needs a valid bearer token unless marked @Public(); @Roles() narrows who may call it. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Kafka handlers are reached only through the broker; this guard is for HTTP callers.
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      response.setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException('A bearer token is required (Authorization: Bearer <token>)');
    }
    try {
      request.principal = await this.verifier.verify(match[1]);
    } catch (err) {
      if (!(err instanceof TokenRejected)) throw err;
      response.setHeader(
        'WWW-Authenticate',
        `Bearer error="invalid_token", error_description="${err.message}"`,
      );
      throw new UnauthorizedException(err.message);
    }
    const required = this.reflector.getAllAndOverride<Role[]>(REQUIRED_ROLES, targets) ?? [];
    if (!hasAnyRole(request.principal, required)) {
      throw new ForbiddenException(`This operation requires one of the roles: ${required.join(', ')}`);
    }
    return true;
  }
}
