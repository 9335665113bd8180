import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AuthGuard } from './auth.guard';
import { CurrentPrincipal } from './current-principal.decorator';
import { issueLocalToken } from './local-signing-key';
import { Public } from './public.decorator';
import { Roles } from './roles.decorator';
import type { Principal, Role } from './roles';
import { TokenVerifier } from './token-verifier';

@Controller('t')
class ProbeController {
  @Get('open') @Public() open() {
    return 'open';
  }
  @Get('any') any(@CurrentPrincipal() p: Principal) {
    return p.subject;
  }
  @Get('supervisors') @Roles('supervisor') supervisors() {
    return 'ok';
  }
}

describe('AuthGuard over HTTP', () => {
  const keyFile = join(mkdtempSync(join(tmpdir(), 'journey-guard-')), 'key.json');
  const auth = {
    mode: 'local' as const,
    localKeyFile: keyFile,
    issuer: 'i',
    audience: 'a',
    rolesClaim: 'roles',
  };
  const tokenFor = (...roles: Role[]) =>
    issueLocalToken({
      keyFile,
      issuer: 'i',
      audience: 'a',
      subject: `user-${roles.join('+')}`,
      roles,
      expiresIn: '5m',
    });
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [ProbeController],
      providers: [
        { provide: TokenVerifier, useValue: new TokenVerifier(auth) },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(() => app.close());

  it('serves public routes without a token', async () => {
    await request(app.getHttpServer()).get('/t/open').expect(200, 'open');
  });

  it('answers 401 with a reason and a WWW-Authenticate header when the token is missing or bad', async () => {
    const missing = await request(app.getHttpServer()).get('/t/any').expect(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(missing.body.message).toMatch(/bearer token is required/);

    const bad = await request(app.getHttpServer())
      .get('/t/any')
      .set('Authorization', 'Bearer nonsense')
      .expect(401);
    expect(bad.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it('lets any authenticated caller reach an unrestricted route and tells the handler who it is', async () => {
    const res = await request(app.getHttpServer())
      .get('/t/any')
      .set('Authorization', `Bearer ${await tokenFor('agent')}`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('user-agent');
  });

  it('answers 403 naming the roles when the caller lacks them; supervisors and admins pass', async () => {
    const denied = await request(app.getHttpServer())
      .get('/t/supervisors')
      .set('Authorization', `Bearer ${await tokenFor('agent')}`)
      .expect(403);
    expect(denied.body.message).toBe('This operation requires one of the roles: supervisor');
    for (const role of ['supervisor', 'admin'] as const) {
      await request(app.getHttpServer())
        .get('/t/supervisors')
        .set('Authorization', `Bearer ${await tokenFor(role)}`)
        .expect(200);
    }
  });
});
