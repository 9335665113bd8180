import { BadRequestException, Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  ApiAnswer,
  ApiErrors,
  correlationIdOf,
  CurrentPrincipal,
  openApiSchema,
  Roles,
  writeStreamed,
} from '@journey/platform';
import type { Principal } from '@journey/platform';
import { ArticleTransfer, parseTransferLines } from '../article/article-transfer';
import { importAnswer, transferLineSchema } from './knowledge-api.schemas';

/** The most articles one import request takes (the CLI sends a file in requests of this many). */
export const IMPORT_LINES_MAX = 1_000;
/** The largest import request: a thousand articles of average size, well under the article bound × lines. */
export const IMPORT_BODY_LIMIT = '25mb';

@ApiTags('articles')
@ApiBearerAuth()
@Controller('v1/articles')
export class ArticleTransferController {
  constructor(private readonly transfer: ArticleTransfer) {}

  @Post('import')
  @Roles('admin')
  @ApiOperation({
    summary: 'Import articles from JSON lines (one article with all its locales per line)',
    description:
      'Content-Type application/x-ndjson, up to 1,000 lines and 25 MB per request (`journey kb import` splits a file). Every line is checked first: one bad line is a 400 naming it, and nothing is written. Then each article is created, revised where its content differs and published where `published` is true (without review: the importer is an admin). An article is matched by `articleId`, or by an id derived from `externalId`, so the same file imported twice changes nothing the second time.',
  })
  @ApiConsumes('application/x-ndjson')
  @ApiBody({
    schema: {
      type: 'string',
      description: `JSON lines, each: ${JSON.stringify(openApiSchema(transferLineSchema))}`,
    },
  })
  @ApiAnswer(importAnswer)
  @ApiErrors(400, 401, 403, 413)
  async import(@Body() body: unknown, @CurrentPrincipal() principal: Principal, @Req() req: Request) {
    if (typeof body !== 'string')
      throw new BadRequestException('send JSON lines with Content-Type application/x-ndjson');
    const { lines, problems } = parseTransferLines(body);
    if (problems.length > 0)
      throw new BadRequestException(
        `nothing imported: ${problems.slice(0, 20).join('; ')}${problems.length > 20 ? `; and ${problems.length - 20} more` : ''}`,
      );
    if (lines.length === 0) throw new BadRequestException('no articles in the body');
    if (lines.length > IMPORT_LINES_MAX)
      throw new BadRequestException(`at most ${IMPORT_LINES_MAX} articles per request (got ${lines.length})`);
    const articles = await this.transfer.import(lines, principal.subject, correlationIdOf(req));
    const count = (o: string) => articles.filter((a) => a.outcome === o).length;
    return {
      created: count('created'),
      updated: count('updated'),
      unchanged: count('unchanged'),
      failed: count('failed'),
      articles,
    };
  }

  @Get('export')
  @Roles('supervisor', 'admin')
  @ApiOperation({
    summary: 'Export every article that is not archived as JSON lines (the import format), streamed',
    description:
      "Each locale's latest revision and whether it is published; import the file elsewhere to move the help centre.",
  })
  @ApiProduces('application/x-ndjson')
  @ApiResponse({
    status: 200,
    description: 'One article per line, in the import format',
    content: { 'application/x-ndjson': { schema: openApiSchema(transferLineSchema) } },
  })
  @ApiErrors(401, 403)
  async export(@Res() res: Response): Promise<void> {
    res.status(200).type('application/x-ndjson');
    res.setHeader('content-disposition', 'attachment; filename="articles.jsonl"');
    try {
      for await (const line of this.transfer.export()) {
        // The client left: stop reading the store for it.
        if (!(await writeStreamed(res, line))) return;
      }
      res.end();
    } catch (err) {
      // The headers are sent: cut the stream, so the client sees a broken download, not a short file.
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
