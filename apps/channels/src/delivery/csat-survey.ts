import { CSAT_SURVEY_AUTHOR } from '@journey/contracts';

/** Where a customer answers a survey: the token is appended (CSAT_LINK_BASE, default the local tickets API). */
const csatLinkBase = () =>
  (process.env['CSAT_LINK_BASE'] ?? 'http://127.0.0.1:3103/v1/csat').replace(/\/$/, '');

/** The automation that sends satisfaction surveys (the author id of their messages). */
export const CSAT_AUTHOR = CSAT_SURVEY_AUTHOR;

/** The survey's message: a link any channel can carry (an email, a WeChat text, an SMS). */
export function surveyText(token: string): string {
  return `How did we do? Rate this conversation from 1 to 5: ${csatLinkBase()}/${encodeURIComponent(token)}`;
}

/**
 * The survey link in a message the CSAT automation sent (the web chat shows a rating prompt for it
 * instead of the bare link): the message's last URL under CSAT_LINK_BASE. Any other message has none,
 * so no other author (an auto-reply rule named "csat", say) can make visitors' browsers post elsewhere.
 */
export function surveyLinkOf(message: {
  from: string;
  authorId?: string;
  text?: string;
}): string | undefined {
  if (message.from !== 'automation' || message.authorId !== CSAT_AUTHOR || !message.text) return undefined;
  const base = `${csatLinkBase()}/`;
  const links = (message.text.match(/https?:\/\/[^\s]+/g) ?? []).filter(
    (link) => link.startsWith(base) && link.length > base.length && !link.slice(base.length).includes('/'),
  );
  return links[links.length - 1];
}

/**
 * What agents see of a message's text: no survey link, a credential meant for the customer. In the survey's
 * own message every link goes, whatever CSAT_LINK_BASE was when it was sent; in any other message (a
 * customer's email quoting the survey, say) every link under the survey base goes.
 */
export function agentText(message: { from: string; authorId?: string; text?: string }): string | undefined {
  if (message.text === undefined) return undefined;
  const survey = message.from === 'automation' && message.authorId === CSAT_AUTHOR;
  const base = `${csatLinkBase()}/`;
  return message.text.replace(/https?:\/\/[^\s]+/g, (link) =>
    survey || link.startsWith(base) ? SURVEY_LINK_LEFT_OUT : link,
  );
}

/** What stands where a survey link was. */
export const SURVEY_LINK_LEFT_OUT = '[survey link]';
