/**
 * Other writers kept getting there first (merges meeting each other, a registry that kept changing):
 * a passing condition, so the consumer waits it out and tries the event again instead of parking it.
 */
export class Contention extends Error {
  override name = 'Contention';
  readonly transient = true;
}
