import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { ChannelsConfig } from '../channel-config/channels-config';

/** A real SMTP server on loopback that keeps what it receives. */
export async function startSmtpSink(): Promise<{
  port: number;
  mails: ParsedMail[];
  close(): Promise<void>;
}> {
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise((r) => server.close(() => r())) };
}

export interface Recorded {
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

/** JSON, or a text body (a certificate) with its content type. */
export type StandInAnswer =
  { status: number; json: unknown } | { status: number; text: string; type: string };

/** An HTTP server standing in for WeChat's API or a partner's callback: records calls, answers by a rule. */
export async function startStandIn(
  answer: (call: Recorded, n: number) => StandInAnswer | Promise<StandInAnswer>,
): Promise<{ url: string; calls: Recorded[]; close(): Promise<void> }> {
  const calls: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const call = {
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      calls.push(call);
      void Promise.resolve(answer(call, calls.length)).then((a) =>
        'json' in a
          ? res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.json))
          : res.writeHead(a.status, { 'content-type': a.type }).end(a.text),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Writes a channels configuration file for a test and returns its path. */
export function writeChannelsConfig(config: ChannelsConfig): string {
  const file = join(mkdtempSync(join(tmpdir(), 'journey-channels-')), 'channels.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}
