import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A loopback TCP port nothing listens on right now (the system picks it), for a process a test starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
