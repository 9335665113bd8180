import { Converter } from 'opencc-js/t2cn';
import stem from 'wink-porter2-stemmer';

// How article text and queries become search terms, the same way on both sides:
// - Chinese: traditional folded to simplified (OpenCC), then every pair of adjacent Han characters
//   (bigrams), plus the longer words Intl.Segmenter finds. Bigrams let a query and a document that the
//   segmenter splits differently still meet ("运费" inside "退货运费险"); a lone character stays a term.
// - Latin script: NFKC, lower case, accents dropped, English stop words dropped, Porter2 stemming.

const toSimplified = Converter({ from: 't', to: 'cn' });
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });
const HAN = /\p{Script=Han}/u;
const HAN_RUN = /\p{Script=Han}+/gu;
const LATIN_WORD = /^[\p{L}\p{N}]+$/u;

const ENGLISH_STOP_WORDS = new Set(
  (
    'a an and are as at be but by can could do does did for from how i if in into is it its me my no not of ' +
    'on or our please so that the their them then there these they this to was we were what when where which ' +
    'who why will with would you your'
  ).split(' '),
);

/** Text as the index compares it: NFKC, lower case, accents off, traditional Chinese as simplified. */
export function foldText(text: string): string {
  return toSimplified(
    text
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .normalize('NFKC')
      .toLowerCase(),
  );
}

function bigrams(run: string, out: string[]): void {
  const chars = [...run];
  if (chars.length === 1) {
    out.push(run);
    return;
  }
  for (let i = 0; i + 1 < chars.length; i++) out.push(`${chars[i] as string}${chars[i + 1] as string}`);
}

/** A Latin-script word as a term: a stop word is dropped, a word is stemmed. */
export function latinTerm(word: string): string | undefined {
  if (ENGLISH_STOP_WORDS.has(word)) return undefined;
  if (/^\p{N}+$/u.test(word)) return word;
  return word.length > 2 ? stem(word) : word;
}

/**
 * The search terms of a text, in order (repeats kept: the index counts them). Chinese gives bigrams and
 * long words, Latin script gives stemmed words.
 */
export function analyze(text: string): string[] {
  const folded = foldText(text);
  const terms: string[] = [];
  for (const { segment, isWordLike } of segmenter.segment(folded)) {
    if (!isWordLike) continue;
    if (HAN.test(segment)) {
      if ([...segment].length >= 3) terms.push(segment);
      continue;
    }
    if (!LATIN_WORD.test(segment)) continue;
    const term = latinTerm(segment);
    if (term) terms.push(term);
  }
  for (const run of folded.match(HAN_RUN) ?? []) bigrams(run, terms);
  return terms;
}

/** True for a term of Latin letters (the ones typo tolerance applies to). */
export function isLatinTerm(term: string): boolean {
  return /^[a-z]+$/.test(term);
}

/** The distinct terms of a query. */
export function queryTerms(query: string): string[] {
  return [...new Set(analyze(query))];
}
