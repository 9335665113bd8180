import { timingSafeEqual } from 'node:crypto';
import type { KeyedIds } from '@journey/platform';

/**
 * Survey tokens: `<ticketId>.<surveyId>.<mac>`, the mac keyed with the installation's secret, so a
 * token names its ticket without a lookup table and nobody can make one up. Single use and expiry
 * are the ticket's to decide (its stream records the rating and the survey's expiry).
 */
export class CsatTokens {
  constructor(private readonly ids: KeyedIds) {}

  issue(ticketId: string, surveyId: string): string {
    return `${ticketId}.${surveyId}.${this.ids.digest('csat', ticketId, surveyId)}`;
  }

  /** The ticket and survey a token names, or undefined for a token we did not issue. */
  open(token: string): { ticketId: string; surveyId: string } | undefined {
    const [ticketId, surveyId, mac, extra] = token.split('.');
    if (!ticketId || !surveyId || !mac || extra !== undefined) return undefined;
    const expected = Buffer.from(this.ids.digest('csat', ticketId, surveyId));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected)
      ? { ticketId, surveyId }
      : undefined;
  }
}
