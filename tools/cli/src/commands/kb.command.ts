import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { issueLocalToken } from '@journey/platform';
import { APPS_DIR } from './service-read-models';

/** Articles per import request (the service takes at most 1,000 and 25 MB per request). */
const CHUNK = 200;

interface Connection {
  url: string;
  token?: string;
  keyFile: string;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`not a positive whole number: ${value}`);
  return n;
}

/** The token given (--token / JOURNEY_TOKEN), or one for an admin signed with the local key. */
async function bearer(c: Connection, role: 'admin' | 'supervisor'): Promise<string> {
  if (c.token) return c.token;
  if (!existsSync(c.keyFile))
    throw new Error(
      `no --token and no local signing key at ${c.keyFile}: pass --token (or set JOURNEY_TOKEN)`,
    );
  return issueLocalToken({
    keyFile: c.keyFile,
    issuer: process.env['AUTH_ISSUER'] ?? 'journey-local',
    audience: process.env['AUTH_AUDIENCE'] ?? 'journey',
    subject: 'kb-cli',
    roles: [role],
    expiresIn: '1h',
  });
}

/** A progress bar on a terminal; a line per request where there is none (CI, a Job's log). */
function progress(total: number | undefined, unit: string) {
  if (process.stderr.isTTY && total !== undefined) {
    const bar = new SingleBar({
      format: ` {bar} {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
    });
    bar.start(total, 0);
    return { update: (n: number) => bar.update(n), stop: () => bar.stop() };
  }
  return {
    update: (n: number) => process.stderr.write(`${n}${total !== undefined ? `/${total}` : ''} ${unit}\n`),
    stop: () => undefined,
  };
}

/** fetch, with an error that names the service and why it could not be reached. */
async function request(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      `cannot reach the knowledge service at ${new URL(url).origin}: ${cause?.code ?? cause?.message ?? String(err)}`,
    );
  }
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file) })) if (line.trim()) n += 1;
  return n;
}

type ImportAnswer = {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  articles: { line: number; outcome: string; reason?: string }[];
};

async function importFile(file: string, c: Connection, ifEmpty = false): Promise<void> {
  if (!existsSync(file)) throw new Error(`no such file: ${file}`);
  const total = await countLines(file);
  const token = await bearer(c, 'admin');
  if (ifEmpty) {
    const res = await request(`${c.url.replace(/\/$/, '')}/v1/articles?limit=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) throw new Error(`could not look at the catalogue (${res.status}): ${await res.text()}`);
    const { total: articles } = (await res.json()) as { total: number };
    if (articles > 0) {
      process.stdout.write(
        `the knowledge base has ${articles} article(s): ${file} not imported (--if-empty)\n`,
      );
      return;
    }
  }
  const sums = { created: 0, updated: 0, unchanged: 0, failed: 0 };
  const failures: string[] = [];
  const bar = progress(total, 'articles');
  let sent = 0;
  let chunk: { line: number; text: string }[] = [];
  const send = async () => {
    if (chunk.length === 0) return;
    const res = await request(`${c.url.replace(/\/$/, '')}/v1/articles/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body: chunk.map((l) => l.text).join('\n'),
    });
    const body = (await res.json().catch(() => ({}))) as Partial<ImportAnswer> & { message?: string };
    if (!res.ok) {
      // The service numbers lines within the request (blank lines left out): say which lines of the file.
      const first = chunk[0]?.line ?? 0;
      const why = String(body.message ?? res.statusText).replace(
        /line (\d+)/g,
        (_, n: string) => `line ${chunk[Number(n) - 1]?.line ?? '?'}`,
      );
      throw new Error(
        `import stopped at lines ${first}–${chunk.at(-1)?.line ?? first} (${res.status}): ${why}`,
      );
    }
    for (const k of ['created', 'updated', 'unchanged', 'failed'] as const) sums[k] += body[k] ?? 0;
    for (const a of body.articles ?? [])
      if (a.outcome === 'failed')
        failures.push(`line ${chunk[a.line - 1]?.line ?? '?'}: ${a.reason ?? 'failed'}`);
    sent += chunk.length;
    bar.update(sent);
    chunk = [];
  };
  let n = 0;
  try {
    for await (const text of createInterface({ input: createReadStream(file) })) {
      n += 1;
      if (!text.trim()) continue;
      chunk.push({ line: n, text });
      if (chunk.length >= CHUNK) await send();
    }
    await send();
  } finally {
    bar.stop();
  }
  process.stdout.write(
    `imported ${file}: ${sums.created} created, ${sums.updated} updated, ${sums.unchanged} unchanged, ${sums.failed} failed\n`,
  );
  for (const f of failures.slice(0, 50)) process.stdout.write(`  ${f}\n`);
  if (sums.failed > 0) process.exitCode = 1;
}

async function exportTo(out: string | undefined, c: Connection): Promise<void> {
  const token = await bearer(c, 'supervisor');
  const res = await request(`${c.url.replace(/\/$/, '')}/v1/articles/export`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok || !res.body) throw new Error(`export failed (${res.status}): ${await res.text()}`);
  const sink = out ? createWriteStream(out) : process.stdout;
  const bar = progress(undefined, 'articles');
  let lines = 0;
  const decoder = new TextDecoder();
  for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
    const text = decoder.decode(part, { stream: true });
    const before = lines;
    lines += text.split('\n').length - 1;
    if (!sink.write(text)) await once(sink, 'drain');
    if (out && Math.floor(lines / 1000) > Math.floor(before / 1000)) bar.update(lines);
  }
  if (out) {
    await new Promise<void>((resolve, reject) =>
      (sink as ReturnType<typeof createWriteStream>).end((err?: Error | null) =>
        err ? reject(err) : resolve(),
      ),
    );
    process.stderr.write(`exported ${lines} articles to ${out}\n`);
  }
}

async function writeCorpus(
  count: number | undefined,
  out: string | undefined,
  appsDir: string,
): Promise<void> {
  const file = join(appsDir, 'knowledge', 'dist', 'corpus', 'shop-corpus.js');
  if (!existsSync(file)) throw new Error(`no knowledge build at ${file}; run \`npm run build\``);
  const corpus = createRequire(__filename)(file) as {
    seedArticles(): unknown[];
    grownArticles(n: number): Iterable<unknown>;
  };
  const sink = out ? createWriteStream(out) : process.stdout;
  const articles = count === undefined ? corpus.seedArticles() : corpus.grownArticles(count);
  let n = 0;
  for (const a of articles) {
    n += 1;
    if (!sink.write(`${JSON.stringify(a)}\n`)) await once(sink, 'drain');
  }
  if (out) {
    await new Promise<void>((resolve) => (sink as ReturnType<typeof createWriteStream>).end(() => resolve()));
    process.stderr.write(`wrote ${n} articles to ${out}\n`);
  }
}

/** `journey kb`: moves articles in and out of the knowledge service as JSON lines, and makes corpora. */
export function kbCommand(appsDir = APPS_DIR): Command {
  const kb = new Command('kb').description(
    'The knowledge base: import and export articles as JSON lines, write the seed corpus or a grown one',
  );
  const connection = (c: Command) =>
    c
      .option(
        '--url <url>',
        'the knowledge service (env KNOWLEDGE_URL)',
        process.env['KNOWLEDGE_URL'] ?? 'http://127.0.0.1:3104',
      )
      .option('--token <jwt>', 'a bearer token (env JOURNEY_TOKEN); default: one signed with the local key')
      .option(
        '--key-file <path>',
        'the local signing key (env AUTH_LOCAL_KEY_FILE)',
        process.env['AUTH_LOCAL_KEY_FILE'] ?? '.local/auth/signing-key.json',
      );
  kb.addCommand(
    connection(
      new Command('import')
        .description(
          `Import a JSON-lines file (one article per line, all its locales), ${CHUNK} articles per request, with progress. Importing the same file again changes nothing; a bad line stops the import there (the requests before it stay imported: fix the line and import the file again).`,
        )
        .argument('<file>', 'the .jsonl file (for example apps/knowledge/corpus/seed-articles.jsonl)')
        .option('--if-empty', 'import only into a knowledge base with no articles yet (seeding)'),
    ).action(
      async (file: string, opts: { url: string; token?: string; keyFile: string; ifEmpty?: boolean }) =>
        importFile(
          file,
          { url: opts.url, token: opts.token ?? process.env['JOURNEY_TOKEN'], keyFile: opts.keyFile },
          opts.ifEmpty,
        ),
    ),
  );
  kb.addCommand(
    connection(
      new Command('export')
        .description('Export every article that is not archived as JSON lines (the import format)')
        .option('-o, --out <file>', 'write to this file instead of standard output'),
    ).action(async (opts: { url: string; token?: string; keyFile: string; out?: string }) =>
      exportTo(opts.out, {
        url: opts.url,
        token: opts.token ?? process.env['JOURNEY_TOKEN'],
        keyFile: opts.keyFile,
      }),
    ),
  );
  kb.addCommand(
    new Command('corpus')
      .description(
        "Write the fictional shop's corpus as JSON lines: the 213 seed articles, or --count articles grown from them (deterministic) for benchmarks",
      )
      .option('-n, --count <n>', 'how many articles (default: the seed corpus)', positive)
      .option('-o, --out <file>', 'write to this file instead of standard output')
      .action(async (opts: { count?: number; out?: string }) => writeCorpus(opts.count, opts.out, appsDir)),
  );
  return kb;
}
