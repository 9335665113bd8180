/**
 * A server-sent event stream read with fetch (so the token travels in the Authorization header, never
 * in a URL), reopened with backoff when it drops. Returns a function that closes it.
 */
export function liveStream(
  url: string,
  bearer: string,
  onEvent: (event: string, data: unknown) => void,
  onState: (state: 'live' | 'stale' | 'reconnecting') => void = () => undefined,
  onUnauthorized: () => void = () => undefined,
): () => void {
  let closed = false;
  let controller: AbortController | undefined;
  let attempt = 0;

  const open = async (): Promise<void> => {
    while (!closed) {
      controller = new AbortController();
      try {
        const res = await fetch(url, {
          headers: { authorization: `Bearer ${bearer}`, accept: 'text/event-stream' },
          signal: controller.signal,
        });
        if (res.status === 401) {
          // The token is no longer good: reconnecting would not help.
          closed = true;
          onUnauthorized();
          return;
        }
        if (!res.ok || !res.body) throw new Error(String(res.status));
        attempt = 0;
        onState('live');
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (event === 'stale' || event === 'fresh') onState(event === 'stale' ? 'stale' : 'live');
            else if (data.length > 0) onEvent(event, JSON.parse(data.join('\n')) as unknown);
          }
        }
      } catch {
        // dropped, refused or aborted: reopened below unless closed
      } finally {
        controller.abort();
      }
      onState('reconnecting');
      if (closed) return;
      attempt += 1;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)) * (0.75 + Math.random() * 0.5);
      await new Promise((r) => setTimeout(r, delay));
    }
  };
  void open();
  return () => {
    closed = true;
    controller?.abort();
  };
}
