import { Injectable } from '@nestjs/common';
import MiniSearch from 'minisearch';
import type { Document } from 'mongodb';
import { Catalogue } from '../article/catalogue';
import { analyze, queryTerms } from '../search/domain/text-analysis';

/** How many cases each word of the question brings to the ranking, and how many words are looked up. */
const CANDIDATES_PER_TERM = 60;
const TERMS_LOOKED_UP = 20;

export interface SimilarCase {
  ticketId: string;
  subject?: string;
  reply?: string;
  group: string;
  channel: string;
  solvedAt?: string;
  score: number;
}

/**
 * Solved tickets like a question, for the agent answering it: candidates are the latest solved cases
 * holding each of its words (indexed lookups on the read model's term arrays), ranked together by BM25
 * over their subject (boosted) and last reply, with the same analysis as article search (Chinese
 * bigrams, stems).
 */
@Injectable()
export class SimilarCases {
  constructor(private readonly catalogue: Catalogue) {}

  async like(text: string, options: { limit: number; exclude?: string }): Promise<SimilarCase[]> {
    const terms = queryTerms(text);
    if (terms.length === 0) return [];
    const cases = await this.catalogue.solvedCases();
    const base = {
      solved: true,
      erased: { $ne: true },
      merged: { $ne: true },
      ...(options.exclude ? { _id: { $ne: options.exclude as never } } : {}),
    };
    // Candidates per word, so that a rare word that tells the cases apart is not crowded out by the
    // cases of a common one; then ranked together.
    const perTerm = await Promise.all(
      terms.slice(0, TERMS_LOOKED_UP).map((t) =>
        cases
          .find({ ...base, $or: [{ subjectTerms: t }, { replyTerms: t }] })
          .sort({ solvedAt: -1, _id: 1 })
          .limit(CANDIDATES_PER_TERM)
          .toArray(),
      ),
    );
    const candidates = [...new Map(perTerm.flat().map((c) => [String(c._id), c])).values()];
    if (candidates.length === 0) return [];
    const mini = new MiniSearch<Document>({
      fields: ['subject', 'reply'],
      idField: '_id',
      tokenize: (t) => analyze(t),
      processTerm: (t) => t,
      searchOptions: {
        tokenize: (t) => t.split(' ').filter(Boolean),
        processTerm: (t) => t,
        boost: { subject: 2 },
      },
    });
    mini.addAll(candidates);
    const byId = new Map(candidates.map((c) => [String(c._id), c]));
    return mini
      .search(terms.join(' '))
      .sort((a, b) => b.score - a.score || String(a.id).localeCompare(String(b.id)))
      .slice(0, options.limit)
      .map((r) => {
        const c = byId.get(String(r.id)) as Document;
        return {
          ticketId: String(c._id),
          ...(c['subject'] ? { subject: String(c['subject']) } : {}),
          ...(c['reply'] ? { reply: String(c['reply']) } : {}),
          group: String(c['group']),
          channel: String(c['channel']),
          ...(c['solvedAt'] ? { solvedAt: String(c['solvedAt']) } : {}),
          score: Math.round(r.score * 1000) / 1000,
        };
      });
  }

  /** A ticket's question (its subject), for "cases like this one"; undefined when unknown or erased. */
  async questionOf(ticketId: string): Promise<string | undefined> {
    const doc = await (await this.catalogue.solvedCases()).findOne({ _id: ticketId as never });
    return doc?.['subject'] ? String(doc['subject']) : undefined;
  }
}
