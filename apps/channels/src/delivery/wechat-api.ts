import { Injectable } from '@nestjs/common';
import type { ChannelsConfig } from '../channel-config/channels-config';

type Account = ChannelsConfig['wechat'][number];

interface WechatResult {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  expires_in?: number;
}

/** WeChat's customer-service message API, with the account's access token cached until shortly before it expires. */
@Injectable()
export class WechatApi {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();

  async sendText(account: Account, openid: string, text: string): Promise<void> {
    const result = await this.call(account, '/cgi-bin/message/custom/send', {
      touser: openid,
      msgtype: 'text',
      text: { content: text },
    });
    // 40001/42001: the token was revoked or expired early: fetch a new one and try once more.
    if (result.errcode === 40001 || result.errcode === 42001) {
      this.tokens.delete(account.id);
      const again = await this.call(account, '/cgi-bin/message/custom/send', {
        touser: openid,
        msgtype: 'text',
        text: { content: text },
      });
      if (again.errcode)
        throw new Error(`WeChat refused the message: ${again.errcode} ${again.errmsg ?? ''}`.trim());
      return;
    }
    if (result.errcode)
      throw new Error(`WeChat refused the message: ${result.errcode} ${result.errmsg ?? ''}`.trim());
  }

  private async call(account: Account, path: string, body: unknown): Promise<WechatResult> {
    const token = await this.accessToken(account);
    const url = new URL(path, account.apiBaseUrl);
    url.searchParams.set('access_token', token);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`WeChat API answered HTTP ${res.status}`);
    return (await res.json()) as WechatResult;
  }

  private async accessToken(account: Account): Promise<string> {
    const cached = this.tokens.get(account.id);
    if (cached && cached.expiresAt > Date.now()) return cached.token;
    const url = new URL('/cgi-bin/token', account.apiBaseUrl);
    url.searchParams.set('grant_type', 'client_credential');
    url.searchParams.set('appid', account.appId);
    url.searchParams.set('secret', account.appSecret);
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`WeChat token endpoint answered HTTP ${res.status}`);
    const result = (await res.json()) as WechatResult;
    if (!result.access_token)
      throw new Error(`WeChat gave no access token: ${result.errcode ?? '?'} ${result.errmsg ?? ''}`.trim());
    // Renew five minutes early: WeChat tokens last 7200 s.
    this.tokens.set(account.id, {
      token: result.access_token,
      expiresAt: Date.now() + Math.max(60, (result.expires_in ?? 7200) - 300) * 1000,
    });
    return result.access_token;
  }
}
