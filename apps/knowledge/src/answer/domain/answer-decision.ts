import { SUGGESTIONS_MAX } from '@journey/contracts';
import type { AnswerReason, ArticleAudience, KnowledgeEventData, VIP_TIERS } from '@journey/contracts';
import { foldText } from '../../search/domain/text-analysis';
import type { SearchHit } from '../../search/domain/article-index';

export type AnswerPolicy = Omit<KnowledgeEventData<'knowledge.answer-policy-configured.v1'>, 'by' | 'at'>;
type Decided = KnowledgeEventData<'knowledge.auto-answer-decided.v1'>;
export type VipTier = (typeof VIP_TIERS)[number];

/** What the conversation's earlier decisions (its `kb-answers-` stream) say about the next one. */
export interface ConversationHistory {
  /** The message ids already decided (a redelivered message is not decided twice). */
  decided: ReadonlySet<string>;
  /** The last decision of the conversation, if any. */
  last?: 'answered' | 'handed-off';
  /** The customer asked for a person earlier in the conversation. */
  askedForPerson: boolean;
  /** A message of the conversation went to a person: a person has it now, and the bot stays out. */
  handedOff: boolean;
}

export const NO_HISTORY: ConversationHistory = {
  decided: new Set(),
  askedForPerson: false,
  handedOff: false,
};

/** Folds the conversation's decisions, oldest first. */
export function historyOf(decisions: readonly Decided[]): ConversationHistory {
  const decided = new Set<string>();
  let last: ConversationHistory['last'];
  let askedForPerson = false;
  let handedOff = false;
  for (const d of decisions) {
    decided.add(d.messageId);
    last = d.decision;
    if (d.decision === 'handed-off') handedOff = true;
    if (d.reasons.includes('asked-for-person') || d.reasons.includes('asked-for-person-earlier'))
      askedForPerson = true;
  }
  return { decided, ...(last ? { last } : {}), askedForPerson, handedOff };
}

export interface AnswerInput {
  text: string | undefined;
  policy: AnswerPolicy;
  history: ConversationHistory;
  /** The customer as contacts knows them; undefined when contacts had not said who they are in time. */
  customer: { vipTier?: VipTier } | undefined;
  /** The search's best hits for the message, best first, every audience an agent may see (the suggestions). */
  hits: readonly SearchHit[];
  /**
   * The same search over only what this customer may read, best first: the answer comes from here
   * (scores of one search, not compared across audiences).
   */
  answerable: readonly SearchHit[];
  /** The message was read too late for an automatic answer (KNOWLEDGE_ANSWER_MAX_AGE_MS). */
  tooOld?: boolean;
}

export interface AnswerOutcome {
  decision: Decided['decision'];
  reasons: AnswerReason[];
  confidence: number;
  suggestions: Decided['suggestions'];
  /** The article the customer is answered with (only when the decision is answered). */
  answer?: SearchHit;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const HAN = /\p{Script=Han}/u;

/**
 * Whether a phrase occurs in a text, both folded (case, accents, traditional Chinese): Chinese phrases
 * anywhere, Latin-script phrases as whole words (so "agent" is found in "an agent please" and "agents",
 * not in "agenda").
 */
export function mentions(foldedText: string, phrase: string): boolean {
  const p = foldText(phrase).trim();
  if (!p) return false;
  if (HAN.test(p)) return foldedText.includes(p);
  return new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(p)}s?($|[^\\p{L}\\p{N}])`, 'u').test(foldedText);
}

/** The audiences an automatic answer may quote to this customer (agents' internal articles never). */
export function answerableAudiences(customer: { vipTier?: VipTier } | undefined): ArticleAudience[] {
  return customer?.vipTier && customer.vipTier !== 'standard' ? ['public', 'vip'] : ['public'];
}

/**
 * Decides what happens to one inbound message: answered automatically with the best article only when
 * every rule allows it, otherwise handed to a person with the suggestions attached. The rules (each a
 * reason when it stops the answer): auto-answer on; the message read in time; text to answer; contacts
 * said who the customer is and they are not in a human-only VIP tier (no tier is standard); no flagged
 * (new, complex) product named in the message or in the article; no request for a person, now or
 * earlier; the conversation's last decision was not an answer, and it was never handed to a person (a
 * person has it then); an article the customer may read at or above the threshold.
 */
export function decideAnswer(input: AnswerInput): AnswerOutcome {
  const { policy, history, customer, hits, answerable } = input;
  const suggestions = hits.slice(0, SUGGESTIONS_MAX).map((h) => ({
    articleId: h.articleId,
    locale: h.locale,
    title: h.title,
    confidence: h.confidence,
  }));
  const audiences = answerableAudiences(customer);
  const best = answerable.find((h) => audiences.includes(h.audience));
  const confidence = best?.confidence ?? 0;
  const reasons: AnswerReason[] = [];
  const text = input.text?.trim() ? foldText(input.text) : undefined;

  if (!policy.enabled) reasons.push('auto-answer-off');
  if (input.tooOld) reasons.push('message-too-old');
  if (!text) reasons.push('no-text');
  if (!customer) reasons.push('customer-unknown');
  // A customer with no tier is standard (a policy may send standard customers to people too).
  else if (policy.humanOnlyVipTiers.includes(customer.vipTier ?? 'standard')) reasons.push('vip-customer');
  if (text) {
    const flagged = policy.products.filter((p) => p.flags.length > 0);
    const named = flagged.some((p) => mentions(text, p.product) || p.names.some((n) => mentions(text, n)));
    const inArticle = best ? flagged.some((p) => best.products.includes(p.product)) : false;
    if (named || inArticle) reasons.push('flagged-product');
    if (policy.personPhrases.some((phrase) => mentions(text, phrase))) reasons.push('asked-for-person');
    else if (history.askedForPerson) reasons.push('asked-for-person-earlier');
  }
  if (history.last === 'answered') reasons.push('answered-last-time');
  else if (history.handedOff && !reasons.includes('asked-for-person-earlier'))
    reasons.push('handed-off-earlier');
  if (text && !best) reasons.push('no-suggestion');
  else if (best && confidence < policy.threshold) reasons.push('below-threshold');

  if (reasons.length > 0) return { decision: 'handed-off', reasons, confidence, suggestions };
  return {
    decision: 'answered',
    reasons: ['confident-match'],
    confidence,
    suggestions,
    answer: best as SearchHit,
  };
}
