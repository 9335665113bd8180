import { Injectable } from '@nestjs/common';
import { signRequest } from '../webhooks/signed/signed-request';

/** Posts a reply to an app's or partner's callback URL, signed like their calls to us. */
@Injectable()
export class PartnerCallback {
  async post(url: string, secret: string, payload: unknown): Promise<void> {
    const body = JSON.stringify(payload);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signRequest(secret, body) },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`the callback answered HTTP ${res.status}`);
  }
}
