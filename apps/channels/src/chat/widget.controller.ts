import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiAnswer, ApiErrors, Public } from '@journey/platform';
import { CHANNELS_ANSWERS } from '../channels-api.responses';
import { CHANNELS_CONFIG } from '../channel-config/channels-config';
import type { ChannelsConfig } from '../channel-config/channels-config';

/** The built widget (apps/channels/widget → dist/widget), beside this file's compiled folder. */
const WIDGET_FILE = join(__dirname, '..', 'widget', 'widget.js');

/** The public help centre the widget searches (HELP_CENTER_URL, default the local knowledge service). */
const helpCenterUrl = () =>
  (process.env['HELP_CENTER_URL'] ?? 'http://127.0.0.1:3104/v1/help').replace(/\/$/, '');

/**
 * The chat widget a web site embeds with one tag:
 * `<script src="https://chat.example.com/widget.js" data-channel="website" async></script>`.
 */
@ApiTags('web chat')
@Public()
@Controller()
export class WidgetController {
  constructor(@Inject(CHANNELS_CONFIG) private readonly config: ChannelsConfig) {}

  @Get('widget.js')
  @ApiOperation({
    summary: 'The chat widget script',
    description:
      'A launcher and a chat window in a shadow root (no page styles leak in or out), English or Chinese by the page’s language. Attributes: data-channel (required), data-locale (en or zh-CN).',
  })
  @ApiOkResponse({
    description: 'The script (cached for 5 minutes)',
    content: { 'application/javascript': { schema: { type: 'string' } } },
  })
  @ApiErrors(404)
  script(@Res() res: Response): void {
    if (!existsSync(WIDGET_FILE))
      throw new NotFoundException('the widget is not built (npx nx build channels)');
    res.sendFile(WIDGET_FILE, {
      headers: {
        'Content-Type': 'application/javascript; charset=utf-8',
        'Cache-Control': 'public, max-age=300',
        // Any site may load the script; it then talks to this service's public chat routes.
        'Cross-Origin-Resource-Policy': 'cross-origin',
      },
    });
  }

  @Get('v1/chat/:channelId/widget')
  @Header('Cache-Control', 'public, max-age=60')
  @ApiOperation({ summary: "A chat channel's widget settings (pre-chat form, article suggestions)" })
  @ApiAnswer(CHANNELS_ANSWERS.widgetSettings)
  @ApiErrors(404)
  settings(@Param('channelId') channelId: string) {
    const chat = this.config.chat.find((c) => c.id === channelId);
    if (!chat) throw new NotFoundException(`no web chat channel ${channelId}`);
    const widget = chat.widget;
    return {
      channelId,
      ...(widget.title ? { title: widget.title } : {}),
      preChat: widget.preChat,
      ...(widget.suggestions
        ? { helpCenterUrl: (widget.helpCenterUrl ?? helpCenterUrl()).replace(/\/$/, '') }
        : {}),
    };
  }
}
