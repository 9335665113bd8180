import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { KnowledgeLocale } from '@journey/contracts';
import { describeIssues } from '@journey/contracts';
import { UNSAFE_TEXT_MESSAGE, unsafeTextPath } from '@journey/platform';
import { derivedId } from '../knowledge-ids';
import { transferLineSchema } from '../http/knowledge-api.schemas';
import type { TransferLine } from '../http/knowledge-api.schemas';
import { Articles } from './articles';
import { Catalogue } from './catalogue';
import type { ArticleCommand, ArticleEvent, ArticleState } from './domain/article.decider';

export type ImportOutcome = 'created' | 'updated' | 'unchanged' | 'failed';
export interface ImportResult {
  line: number;
  articleId: string;
  outcome: ImportOutcome;
  reason?: string;
}

/** A JSON-lines body's lines, each checked; any bad line is the whole body's 400 (nothing written). */
export function parseTransferLines(text: string): {
  lines: { line: number; article: TransferLine }[];
  problems: string[];
} {
  const lines: { line: number; article: TransferLine }[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      problems.push(`line ${i + 1}: not JSON`);
      return;
    }
    // The edge's rule for every body (parseInput's): no string a store cannot keep.
    const unsafe = unsafeTextPath(json);
    if (unsafe !== undefined) {
      problems.push(`line ${i + 1}: ${unsafe}: ${UNSAFE_TEXT_MESSAGE}`);
      return;
    }
    const parsed = transferLineSchema.safeParse(json);
    if (parsed.success) lines.push({ line: i + 1, article: parsed.data });
    else problems.push(`line ${i + 1}: ${describeIssues(parsed.error)}`);
  });
  return { lines, problems };
}

/** An article's category and products now (the decider keeps neither: they only classify). */
function classificationOf(events: ArticleEvent[]): { category?: string; products: string[] } {
  let category: string | undefined;
  let products: string[] = [];
  for (const e of events) {
    if (e.type === 'knowledge.article-created.v1' || e.type === 'knowledge.article-classified.v1') {
      if (e.data.category !== undefined) category = e.data.category;
      if (e.data.products !== undefined) products = e.data.products;
    }
  }
  return { ...(category ? { category } : {}), products };
}

/** One locale's content at a revision, from the article's events. */
function contentAt(
  events: ArticleEvent[],
  locale: KnowledgeLocale,
  revision: number,
): { title: string; body: string; tags: string[] } | undefined {
  for (const e of events)
    if (e.type === 'knowledge.article-revised.v1' && e.data.locale === locale && e.data.revision === revision)
      return { title: e.data.title, body: e.data.body, tags: e.data.tags };
  return undefined;
}

const digest = (value: unknown) =>
  createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 16);

/**
 * Moves a help centre in and out as JSON lines, one article per line with every locale's content. An
 * import goes through the article decider like any edit (created, revised where the content differs,
 * published where asked, by the importing admin without review), each step with an id derived from its
 * content, so the same file imported twice changes nothing the second time. An export writes the
 * same format (for each locale, the published revision, or the draft where none is published), so
 * export → import round-trips; a draft ahead of a published revision stays behind (it is not yet the
 * help centre).
 */
@Injectable()
export class ArticleTransfer {
  constructor(
    private readonly articles: Articles,
    private readonly catalogue: Catalogue,
  ) {}

  async import(
    lines: { line: number; article: TransferLine }[],
    by: string,
    correlationId: string,
  ): Promise<ImportResult[]> {
    const results: ImportResult[] = [];
    for (const { line, article } of lines) {
      const articleId = article.articleId ?? derivedId(`import:${article.externalId as string}`);
      try {
        results.push({ line, articleId, ...(await this.importOne(articleId, article, by, correlationId)) });
      } catch (err) {
        results.push({
          line,
          articleId,
          outcome: 'failed',
          reason: err instanceof Error ? err.message : String(err),
        });
      }
    }
    return results;
  }

  private async importOne(
    articleId: string,
    a: TransferLine,
    by: string,
    correlationId: string,
  ): Promise<{ outcome: ImportOutcome; reason?: string }> {
    const now = () => new Date().toISOString();
    const run = async (command: ArticleCommand, key: string) => {
      const outcome = await this.articles.execute(articleId, command, { correlationId, commandKey: key });
      if (!outcome.ok) throw new Error(outcome.reason);
      return outcome.events.length > 0;
    };
    const loaded = await this.articles.load(articleId);
    let state = loaded.state;
    let changed = false;
    let created = false;
    const source = a.locales[a.sourceLocale] as NonNullable<TransferLine['locales'][KnowledgeLocale]>;
    if (!state.articleId) {
      created = await run(
        {
          kind: 'create',
          articleId,
          sourceLocale: a.sourceLocale,
          owner: a.owner ?? by,
          ...(a.category ? { category: a.category } : {}),
          products: a.products,
          audience: a.audience,
          reviewIntervalDays: a.reviewIntervalDays,
          content: { title: source.title, body: source.body, tags: source.tags },
          note: 'imported',
          by,
          now: now(),
        },
        `import-create:${articleId}`,
      );
      state = (await this.articles.load(articleId)).state;
    } else if (state.archived) return { outcome: 'failed', reason: 'the article is archived here' };
    else if (this.metadataDiffers(state, classificationOf(loaded.events), a)) {
      changed =
        (await run(
          {
            kind: 'classify',
            ...(a.owner ? { owner: a.owner } : {}),
            ...(a.category ? { category: a.category } : {}),
            products: a.products,
            audience: a.audience,
            reviewIntervalDays: a.reviewIntervalDays,
            by,
            now: now(),
          },
          // Keyed by where the stream stood too: a change back to an earlier classification is a change.
          `import-classify:${articleId}:${loaded.events.length}:${digest([a.owner, a.category, a.products, a.audience, a.reviewIntervalDays])}`,
        )) || changed;
    }
    // The source locale first: a translation records the source revision it was made from.
    const locales = [
      a.sourceLocale,
      ...(Object.keys(a.locales) as KnowledgeLocale[]).filter((l) => l !== a.sourceLocale),
    ];
    for (const locale of locales) {
      const wanted = a.locales[locale];
      if (!wanted) continue;
      const content = { title: wanted.title, body: wanted.body, tags: wanted.tags };
      const current = state.locales.get(locale);
      // What readers see already is what the file says: a newer draft here is left alone.
      const shown = current?.published
        ? contentAt(loaded.events, locale, current.published.revision)
        : undefined;
      if (wanted.published && shown && digest(shown) === digest(content)) continue;
      if (!current || digest(current.content) !== digest(content)) {
        changed =
          (await run(
            { kind: 'revise', locale, content, note: 'imported', by, now: now() },
            // Keyed by the revision it follows too: content A → B → A is three revisions, not two.
            `import-revise:${articleId}:${locale}:${current?.latest ?? 0}:${digest(content)}`,
          )) || changed;
        state = (await this.articles.load(articleId)).state;
      }
      const latest = state.locales.get(locale);
      if (wanted.published && latest && latest.published?.revision !== latest.latest)
        changed =
          (await run(
            { kind: 'publish', locale, skipReview: true, by, now: now() },
            `import-publish:${articleId}:${locale}:${latest.latest}`,
          )) || changed;
    }
    return { outcome: created ? 'created' : changed ? 'updated' : 'unchanged' };
  }

  private metadataDiffers(
    state: ArticleState,
    now: { category?: string; products: string[] },
    a: TransferLine,
  ): boolean {
    return (
      (a.owner !== undefined && a.owner !== state.owner) ||
      (a.category !== undefined && a.category !== now.category) ||
      digest(a.products) !== digest(now.products) ||
      a.audience !== state.audience ||
      a.reviewIntervalDays !== state.reviewIntervalDays
    );
  }

  /** Every article that is not archived, as JSON lines, in catalogue order (pages of 200). */
  async *export(): AsyncGenerator<string> {
    const collection = await this.catalogue.articlesCollection();
    let after: string | undefined;
    for (;;) {
      const page = await collection
        .find({
          articleId: { $exists: true },
          archived: { $ne: true },
          ...(after ? { _id: { $gt: after as never } } : {}),
        })
        .sort({ _id: 1 })
        .project({ _id: 1 })
        .limit(200)
        .toArray();
      for (const doc of page) {
        const { state, events } = await this.articles.load(String(doc._id));
        if (!state.articleId || !state.sourceLocale || state.archived) continue;
        const { category, products } = classificationOf(events);
        const line: TransferLine = {
          articleId: state.articleId,
          sourceLocale: state.sourceLocale,
          ...(state.owner ? { owner: state.owner } : {}),
          ...(category ? { category } : {}),
          products,
          audience: state.audience ?? 'public',
          reviewIntervalDays: state.reviewIntervalDays,
          locales: Object.fromEntries(
            [...state.locales].map(([locale, l]) => [
              locale,
              // What readers see, where a revision is published; otherwise the draft.
              l.published
                ? { ...(contentAt(events, locale, l.published.revision) ?? l.content), published: true }
                : { ...l.content, published: false },
            ]),
          ),
        };
        yield `${JSON.stringify(line)}\n`;
      }
      if (page.length < 200) return;
      after = String(page[page.length - 1]?._id);
    }
  }
}
