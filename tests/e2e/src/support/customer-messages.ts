import { createHash, createHmac, randomUUID } from 'node:crypto';
import request from 'supertest';

/** The journey webhooks' signature headers: HMAC-SHA256 of "<timestamp>.<body>". */
export function signed(key: string, body: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    'x-journey-timestamp': timestamp,
    'x-journey-signature': `sha256=${createHmac('sha256', key).update(`${timestamp}.`).update(body).digest('hex')}`,
  };
}

/**
 * A customer's email as the receiving server hands it on: raw MIME with a DKIM pass reported by
 * mx.example.com (a trusted authserv-id in the tests' channel configuration), signed for the webhook.
 */
export async function postDkimEmail(
  channelsUrl: string,
  webhookSecret: string,
  email: { from: string; subject: string; text: string },
): Promise<void> {
  const mime = [
    'Authentication-Results: mx.example.com; dkim=pass header.d=customer.example',
    `From: ${email.from}`,
    'To: support@example.com',
    `Subject: ${email.subject}`,
    `Message-ID: <${randomUUID()}@customer.example>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    email.text,
    '',
  ].join('\r\n');
  await request(channelsUrl)
    .post('/v1/webhooks/email')
    .set({ 'content-type': 'message/rfc822', ...signed(webhookSecret, mime) })
    .send(mime)
    .expect(200);
}

/** A WeChat text message to the `oa` account (token `tok3n`), signed in plaintext mode with a fresh timestamp. */
export async function postWechatText(
  channelsUrl: string,
  message: { openid: string; text: string; nonce: string; msgId: string },
): Promise<void> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHash('sha1')
    .update(['tok3n', timestamp, message.nonce].sort().join(''))
    .digest('hex');
  await request(channelsUrl)
    .post('/v1/webhooks/wechat/oa')
    .query({ timestamp, nonce: message.nonce, signature })
    .type('text/xml')
    .send(
      `<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[${message.openid}]]></FromUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${message.text}]]></Content><MsgId>${message.msgId}</MsgId></xml>`,
    )
    .expect(200);
}
