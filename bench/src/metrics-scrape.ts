/** One sample of a Prometheus text exposition: a series' labels and value. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The samples of one metric name in a Prometheus text exposition (`# HELP`/`# TYPE` lines skipped). */
export function samplesOf(exposition: string, name: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, '$1');
    samples.push({ labels, value: Number(match[3]) });
  }
  return samples;
}

/** A service's /metrics as Prometheus scrapes it, with how long the answer took. */
export async function scrape(port: number, token?: string): Promise<{ text: string; ms: number }> {
  const started = process.hrtime.bigint();
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET :${port}/metrics answered ${res.status}`);
  return { text, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

/**
 * The largest of a histogram's `le` buckets' upper bounds that holds less than q of its count, per the
 * cumulative buckets summed over every series: the bound a histogram_quantile would interpolate from.
 */
export function histogramQuantileBound(exposition: string, name: string, q: number): number | undefined {
  const byBound = new Map<number, number>();
  for (const s of samplesOf(exposition, `${name}_bucket`)) {
    const le = s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']);
    byBound.set(le, (byBound.get(le) ?? 0) + s.value);
  }
  const bounds = [...byBound.keys()].sort((a, b) => a - b);
  const total = byBound.get(Infinity) ?? 0;
  if (total === 0) return undefined;
  return bounds.find((b) => (byBound.get(b) ?? 0) >= q * total);
}
