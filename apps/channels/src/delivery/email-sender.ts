import { Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';

export interface OutgoingEmail {
  smtpUrl: string;
  from: { address: string; name?: string };
  to: string;
  subject: string;
  text: string;
  /** Our Message-ID for the reply, so the customer's answer threads back to it. */
  messageId: string;
  inReplyTo?: string;
  references: string[];
}

/** Sends replies over SMTP (nodemailer), one transport per server URL (options such as ?pool=true go in the URL). */
@Injectable()
export class EmailSender implements OnApplicationShutdown {
  private readonly transports = new Map<string, Transporter>();

  async send(mail: OutgoingEmail): Promise<string> {
    let transport = this.transports.get(mail.smtpUrl);
    if (!transport) {
      transport = nodemailer.createTransport(mail.smtpUrl);
      this.transports.set(mail.smtpUrl, transport);
    }
    const info = (await transport.sendMail({
      from: mail.from.name ? { name: mail.from.name, address: mail.from.address } : mail.from.address,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      messageId: mail.messageId,
      ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
      ...(mail.references.length ? { references: mail.references } : {}),
    })) as { messageId?: string; rejected?: unknown[] };
    if (info.rejected?.length) throw new Error(`the SMTP server refused the recipient`);
    return info.messageId ?? mail.messageId;
  }

  onApplicationShutdown(): void {
    for (const t of this.transports.values()) t.close();
  }
}
