import type { DrainOutcome, ParkedMessage, ParkedStream, StreamParking } from './stream-parking';

/** {@link StreamParking} in memory: for unit tests only, it forgets everything with the process. */
export class InMemoryStreamParking implements StreamParking {
  private readonly streams = new Map<string, { parkedAt: Date; queue: ParkedMessage[] }>();

  private static id(groupId: string, streamKey: string): string {
    return `${groupId}\u0000${streamKey}`;
  }

  async parkedAmong(groupId: string, streamKeys: string[]): Promise<Set<string>> {
    return new Set(streamKeys.filter((k) => this.streams.has(InMemoryStreamParking.id(groupId, k))));
  }

  async park(groupId: string, streamKey: string, message: ParkedMessage): Promise<void> {
    const id = InMemoryStreamParking.id(groupId, streamKey);
    const stream = this.streams.get(id) ?? { parkedAt: message.parkedAt, queue: [] };
    if (!stream.queue.some((m) => m.messageId === message.messageId)) stream.queue.push(message);
    this.streams.set(id, stream);
  }

  async queueIfParked(groupId: string, streamKey: string, message: ParkedMessage): Promise<boolean> {
    if (!this.streams.has(InMemoryStreamParking.id(groupId, streamKey))) return false;
    await this.park(groupId, streamKey, message);
    return true;
  }

  async drain(
    groupId: string,
    streamKey: string,
    apply: (message: ParkedMessage) => Promise<{ ok: true } | { ok: false; reason: string }>,
  ): Promise<DrainOutcome> {
    const id = InMemoryStreamParking.id(groupId, streamKey);
    const stream = this.streams.get(id);
    if (!stream) return { status: 'not-parked' };
    let applied = 0;
    for (;;) {
      const head = stream.queue[0];
      if (!head) break;
      const outcome = await apply(head);
      if (!outcome.ok) {
        stream.queue[0] = { ...head, reason: outcome.reason };
        return { status: 'still-parked', applied, reason: outcome.reason };
      }
      stream.queue.shift();
      applied += 1;
    }
    this.streams.delete(id);
    return { status: 'drained', applied };
  }

  async transfer(fromGroup: string, toGroup: string): Promise<void> {
    for (const stream of await this.list(fromGroup)) {
      const from = InMemoryStreamParking.id(fromGroup, stream.streamKey);
      for (const message of this.streams.get(from)?.queue ?? [])
        await this.park(toGroup, stream.streamKey, message);
      this.streams.delete(from);
    }
  }

  async release(groupId: string): Promise<void> {
    for (const stream of await this.list(groupId))
      this.streams.delete(InMemoryStreamParking.id(groupId, stream.streamKey));
  }

  async list(groupId?: string): Promise<ParkedStream[]> {
    return [...this.streams]
      .map(([id, s]) => {
        const [g = '', streamKey = ''] = id.split('\u0000');
        return {
          groupId: g,
          streamKey,
          parkedAt: s.parkedAt,
          reason: s.queue[0]?.reason ?? '',
          messages: s.queue.length,
        };
      })
      .filter((s) => groupId === undefined || s.groupId === groupId);
  }

  async messages(groupId: string, streamKey: string): Promise<ParkedMessage[]> {
    return [...(this.streams.get(InMemoryStreamParking.id(groupId, streamKey))?.queue ?? [])];
  }

  async close(): Promise<void> {
    this.streams.clear();
  }
}
