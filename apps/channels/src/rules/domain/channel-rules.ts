import { z } from 'zod';
import { CHANNELS, jsonBytes, RULE_SET_MAX_BYTES } from '@journey/contracts';
import type { ChannelKind, RoutingHints } from '@journey/contracts';
import { escapeRegExp } from '@journey/platform';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');

export const businessHoursSchema = z.object({
  timeZone: z.string().refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be an IANA time zone such as Asia/Shanghai' },
  ),
  /** Opening intervals per weekday; a day that is missing is closed. */
  week: z.partialRecord(z.enum(DAYS), z.array(z.tuple([clock, clock])).max(4)),
  /** Closed all day (YYYY-MM-DD in the time zone). */
  holidays: z.array(z.iso.date()).max(366).default([]),
});
export type BusinessHours = z.infer<typeof businessHoursSchema>;

export const channelRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'),
    name: z.string().min(1).max(200),
    enabled: z.boolean().default(true),
    when: z
      .object({
        channels: z.array(z.enum(CHANNELS)).optional(),
        channelIds: z.array(z.string().max(100)).max(100).optional(),
        /** Any of these words or phrases, case-insensitive; CJK phrases match inside text. */
        keywords: z.array(z.string().min(1).max(100)).max(200).optional(),
        /** For email: the inbox address the customer wrote to. */
        recipient: z.email().max(320).optional(),
        outsideBusinessHours: z.boolean().optional(),
        firstMessageOnly: z.boolean().optional(),
      })
      .default({}),
    then: z
      .object({
        autoReply: z.string().min(1).max(4000).optional(),
        route: z
          .object({
            group: z.string().min(1).max(100).optional(),
            skill: z.string().min(1).max(100).optional(),
            priority: z.enum(['low', 'normal', 'high', 'urgent']).optional(),
          })
          .optional(),
      })
      .refine((t) => t.autoReply !== undefined || t.route !== undefined, {
        message: 'a rule must auto-reply, route, or both',
      }),
    /** The same rule auto-replies at most once per conversation in this many minutes. */
    cooldownMinutes: z.number().int().min(0).max(10_080).default(60),
  })
  .strict();
export type ChannelRule = z.infer<typeof channelRuleSchema>;

export const ruleSetSchema = z
  .object({
    businessHours: businessHoursSchema.optional(),
    rules: z.array(channelRuleSchema).max(500),
  })
  .superRefine((set, ctx) => {
    // The whole set is one event: it must fit one.
    if (jsonBytes(set) > RULE_SET_MAX_BYTES)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `the rule set is larger than ${RULE_SET_MAX_BYTES} bytes`,
      });
    const seen = new Set<string>();
    set.rules.forEach((r, i) => {
      if (seen.has(r.id))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `${r.id} is used twice` });
      seen.add(r.id);
      if (r.when.outsideBusinessHours !== undefined && !set.businessHours)
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'when', 'outsideBusinessHours'],
          message: 'needs businessHours in the rule set',
        });
    });
  });
export type RuleSet = z.infer<typeof ruleSetSchema>;

/** What a rule sees of an incoming message. */
export interface InboundFacts {
  channel: ChannelKind;
  channelId: string;
  text?: string;
  recipient?: string;
  firstMessage: boolean;
  at: Date;
  /** When each rule last auto-replied in this conversation. */
  lastAutoReplies: Readonly<Record<string, string>>;
}

export interface RuleOutcome {
  matched: string[];
  autoReply?: { ruleId: string; text: string };
  route?: { hints: RoutingHints; ruleIds: string[] };
}

const weekdayAndTime = (at: Date, timeZone: string) => {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    day: get('weekday').toLowerCase().slice(0, 3) as (typeof DAYS)[number],
    date: `${get('year')}-${get('month')}-${get('day')}`,
    time: `${get('hour')}:${get('minute')}`,
  };
};

/** True when the moment falls in an opening interval of the calendar (end exclusive). */
export function isWithinBusinessHours(hours: BusinessHours, at: Date): boolean {
  const { day, date, time } = weekdayAndTime(at, hours.timeZone);
  if (hours.holidays.includes(date)) return false;
  return (hours.week[day] ?? []).some(([from, to]) => time >= from && time < to);
}

const matchesKeywords = (keywords: string[], text: string | undefined) => {
  if (!text) return false;
  const haystack = text.toLowerCase();
  return keywords.some((k) => {
    const needle = k.toLowerCase();
    // Latin words match whole words; CJK has no spaces, so a phrase matches anywhere.
    if (/^[\p{Script=Latin}\d\s'-]+$/u.test(needle))
      return new RegExp(`(^|[^\\p{L}\\d])${escapeRegExp(needle)}($|[^\\p{L}\\d])`, 'u').test(haystack);
    return haystack.includes(needle);
  });
};

/**
 * Evaluates the rules in order against one incoming message. Every matching rule's routing hints
 * are merged (an earlier rule wins a field); the first matching auto-reply not in its cooldown is
 * sent. Pure: the same facts give the same outcome.
 */
export function evaluateRules(set: RuleSet, facts: InboundFacts): RuleOutcome {
  const matched: string[] = [];
  const hints: RoutingHints = {};
  const routedBy: string[] = [];
  let autoReply: RuleOutcome['autoReply'];
  const open = set.businessHours ? isWithinBusinessHours(set.businessHours, facts.at) : true;
  for (const rule of set.rules) {
    if (!rule.enabled) continue;
    const w = rule.when;
    if (w.channels && !w.channels.includes(facts.channel)) continue;
    if (w.channelIds && !w.channelIds.includes(facts.channelId)) continue;
    if (w.keywords && !matchesKeywords(w.keywords, facts.text)) continue;
    if (w.recipient && w.recipient.toLowerCase() !== facts.recipient?.toLowerCase()) continue;
    if (w.outsideBusinessHours !== undefined && w.outsideBusinessHours === open) continue;
    if (w.firstMessageOnly && !facts.firstMessage) continue;
    matched.push(rule.id);
    if (rule.then.route) {
      const before = JSON.stringify(hints);
      for (const key of ['group', 'skill', 'priority'] as const)
        if (hints[key] === undefined && rule.then.route[key] !== undefined)
          Object.assign(hints, { [key]: rule.then.route[key] });
      if (JSON.stringify(hints) !== before) routedBy.push(rule.id);
    }
    if (rule.then.autoReply && !autoReply) {
      const last = facts.lastAutoReplies[rule.id];
      const cooling =
        last !== undefined && facts.at.getTime() - Date.parse(last) < rule.cooldownMinutes * 60_000;
      if (!cooling) autoReply = { ruleId: rule.id, text: rule.then.autoReply };
    }
  }
  return {
    matched,
    ...(autoReply ? { autoReply } : {}),
    ...(routedBy.length ? { route: { hints, ruleIds: routedBy } } : {}),
  };
}
