import nodemailer from 'nodemailer';
import type { Logger } from 'pino';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Sends mail through SMTP when `SMTP_URL` is set; otherwise writes it to the log. */
export interface Mailer {
  /** 'smtp' when the message went to the SMTP server, 'log' when it was only logged. */
  send(mail: Mail): Promise<'smtp' | 'log'>;
  close(): void;
}

export function createMailer(options: { smtpUrl: string | undefined; from: string; log: Logger }): Mailer {
  if (!options.smtpUrl) {
    return {
      async send(mail) {
        options.log.info(
          { to: mail.to, subject: mail.subject },
          `mail not sent (SMTP_URL is unset):\n${mail.text}`,
        );
        return 'log';
      },
      close() {},
    };
  }
  const transport = nodemailer.createTransport(options.smtpUrl);
  return {
    async send(mail) {
      await transport.sendMail({ from: options.from, to: mail.to, subject: mail.subject, text: mail.text });
      return 'smtp';
    },
    close() {
      transport.close();
    },
  };
}
