/**
 * What in this process is waiting out an infrastructure fault right now (a consumer whose handler
 * cannot reach its database, say). Readiness answers 503 while anything is listed, so that a load
 * balancer and an operator see the stall, and metrics count it.
 */
interface Degradation {
  reason: string;
  since: Date;
}

const current = new Map<string, Degradation>();

/** Marks `component` as stalled by a passing fault; the first report's time is kept. */
export function reportDegraded(component: string, reason: string): void {
  const known = current.get(component);
  current.set(component, { reason: reason.slice(0, 300), since: known?.since ?? new Date() });
}

/** The fault has passed for `component`. */
export function clearDegraded(component: string): void {
  current.delete(component);
}

/** Every component stalled now, with why and since when. */
export function degradations(): { component: string; reason: string; since: string }[] {
  return [...current].map(([component, d]) => ({
    component,
    reason: d.reason,
    since: d.since.toISOString(),
  }));
}
