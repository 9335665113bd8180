import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Headers, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '@journey/platform';

/** Where the page's files are: apps/analytics/assets/dashboard (beside dist, in the image too). */
export const DASHBOARD_ASSETS = join(__dirname, '..', '..', 'assets', 'dashboard');

const FILES = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
} as const;
type FileName = keyof typeof FILES;

/**
 * The page loads only its own script and style, talks only to this service, and cannot be framed;
 * its data arrive as JSON and are written as text, never as markup.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The supervisor dashboard: static files (the page signs in with a token and calls the figures,
 * backlog and operations APIs, which check the role). Public, since a browser's navigation carries
 * no bearer token; nothing in the files is data.
 */
@ApiExcludeController()
@Public()
@Controller('dashboard')
export class DashboardController {
  private readonly files = new Map<FileName, { body: Buffer; etag: string }>();

  constructor() {
    for (const name of Object.keys(FILES) as FileName[]) {
      const body = readFileSync(join(DASHBOARD_ASSETS, name));
      this.files.set(name, {
        body,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      });
    }
  }

  @Get()
  page(@Headers('if-none-match') etag: string | undefined, @Res() res: Response): void {
    this.send('index.html', etag, res);
  }

  @Get(':file')
  asset(
    @Param('file') file: string,
    @Headers('if-none-match') etag: string | undefined,
    @Res() res: Response,
  ): void {
    if (!(file in FILES) || file === 'index.html')
      throw new NotFoundException(`no such file: ${file.slice(0, 40)}`);
    this.send(file as FileName, etag, res);
  }

  private send(name: FileName, ifNoneMatch: string | undefined, res: Response): void {
    const file = this.files.get(name) as { body: Buffer; etag: string };
    res.setHeader('content-security-policy', CSP);
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('etag', file.etag);
    if (ifNoneMatch === file.etag) return void res.status(304).end();
    res.status(200).type(FILES[name]).send(file.body);
  }
}
