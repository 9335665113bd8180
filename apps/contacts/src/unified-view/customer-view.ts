import type { Document } from 'mongodb';
import { STAGES } from './adapters/unified-view.projection';

export interface TimelineEntry {
  eventId: string;
  at: string;
  kind: string;
  /** The contact the entry was recorded on: another one than the view's when merged into it. */
  contactId: string;
  [field: string]: unknown;
}

export interface ViewIdentity {
  kind: string;
  /** Absent once erased. */
  value?: string;
  verified: boolean;
}

export interface CustomerView {
  contactId: string;
  /** Set when this contact was merged into another: that one's view is the customer's. */
  mergedInto?: string;
  /** Contacts merged into this one (directly or through others); their interactions are shown here. */
  mergedContacts: string[];
  name?: string;
  language?: string;
  timeZone?: string;
  vipTier: string;
  traits: Record<string, string>;
  /** Set explicitly, or else where the customer last wrote from. */
  preferredChannel?: { channel: string; inferred: boolean };
  consent: Record<string, { granted: boolean; at: string; source: string }>;
  identities: ViewIdentity[];
  stage: (typeof STAGES)[number];
  channels: string[];
  lastContactAt?: string;
  mergeSuggestions: { otherContactId: string; reason: string }[];
  personalDataErasedAt?: string;
  timelineSize: number;
  recent: TimelineEntry[];
}

/**
 * One customer's view from the documents of a contact (first) and of the contacts merged into it, with
 * the latest entries of their timelines (newest first) and how many there are in all. The surviving
 * contact's profile wins; the merged ones fill what it lacks.
 */
export function customerView(
  docs: Document[],
  timeline: { recent: TimelineEntry[]; size: number } = { recent: [], size: 0 },
): CustomerView {
  const [root] = docs;
  if (!root) throw new Error('customerView needs the contact document');
  const group = new Set(docs.map((d) => String(d['_id'])));
  const first = <T>(field: string): T | undefined =>
    docs.map((d) => d[field] as T | undefined).find((v) => v !== undefined);
  // One entry per identity: the attested form wins over a claimed one.
  const identities = new Map<string, ViewIdentity>();
  for (const doc of docs)
    for (const i of (doc['identities'] as ViewIdentity[] | undefined) ?? []) {
      const key =
        i.value === undefined ? `${i.kind}:#${identities.size}` : `${i.kind}:${i.value.toLowerCase()}`;
      if (!identities.get(key)?.verified) identities.set(key, i);
    }
  const lastContactAt = docs
    .map((d) => d['lastContactAt'] as string | undefined)
    .filter((v): v is string => v !== undefined)
    .sort()
    .pop();
  const explicit = first<string>('preferredChannel');
  // The channel the customer (or a contact merged into them) last wrote from.
  const inferred = docs
    .flatMap((d) => Object.entries((d['lastInboundAt'] as Record<string, string> | undefined) ?? {}))
    .sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0))
    .pop()?.[0];
  const name = first<string>('name');
  const language = first<string>('language');
  const timeZone = first<string>('timeZone');
  const erasedAt = root['erasedAt'] as string | undefined;
  return {
    contactId: String(root['_id']),
    ...(root['mergedInto'] ? { mergedInto: root['mergedInto'] as string } : {}),
    mergedContacts: docs.slice(1).map((d) => String(d['_id'])),
    ...(name !== undefined ? { name } : {}),
    ...(language !== undefined ? { language } : {}),
    ...(timeZone !== undefined ? { timeZone } : {}),
    vipTier: (root['vipTier'] as string | undefined) ?? first<string>('vipTier') ?? 'standard',
    traits: Object.assign({}, ...docs.map((d) => d['traits'] ?? {}).reverse()) as Record<string, string>,
    ...(explicit
      ? { preferredChannel: { channel: explicit, inferred: false } }
      : inferred
        ? { preferredChannel: { channel: inferred, inferred: true } }
        : {}),
    consent: (root['consent'] as CustomerView['consent'] | undefined) ?? {},
    identities: [...identities.values()],
    stage: STAGES[Math.max(...docs.map((d) => Number(d['stageRank'] ?? 0)))] ?? 'pre-sale',
    channels: [...new Set(docs.flatMap((d) => (d['channels'] as string[] | undefined) ?? []))].sort(),
    ...(lastContactAt ? { lastContactAt } : {}),
    mergeSuggestions: docs
      .flatMap((d) => (d['mergeSuggestions'] as CustomerView['mergeSuggestions'] | undefined) ?? [])
      .filter((s) => !group.has(s.otherContactId)),
    ...(erasedAt ? { personalDataErasedAt: erasedAt } : {}),
    timelineSize: timeline.size,
    recent: timeline.recent,
  };
}
