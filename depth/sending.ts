// depth/sending.ts: Python's sendall(), for the class server: the same sendAll() and flush()
// as in server.ts and client.ts (a test keeps the three the same).

import type { Socket } from "bun";

export type Sending = { unsent?: Uint8Array; sent?: () => void }; // for sendAll()
/** Python's sendall(): sends every byte; settles once all are out. */
export function sendAll(socket: Socket<Sending>, bytes: Uint8Array): Promise<void> {
  return new Promise((sent) => {
    socket.data = { ...socket.data, unsent: bytes, sent };
    flush(socket);
  });
}
/** Sends what fits; Bun calls it again (drain) when there is room. */
export function flush(socket: Socket<Sending>): void {
  const unsent = socket.data?.unsent;
  if (unsent === undefined) return; // nothing was ever sent
  const written = socket.write(unsent); // -1: it is closing
  socket.data.unsent = unsent.subarray(written < 0 ? unsent.length : written);
  if (socket.data.unsent.length === 0) socket.data.sent?.();
}
