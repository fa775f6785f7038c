// depth/sending.ts: Python's sendall(), for the class server: the same sendAll() and flush()
// as in server.ts and client.ts (a test keeps the three the same).

import type { Socket } from "bun";

export type Sending = { unsent: Uint8Array; sent: () => void }; // for sendAll()
/** Python's sendall(): sends every byte; settles once all are out. */
export function sendAll(socket: Socket<Sending>, bytes: Uint8Array): Promise<void> {
  return new Promise((sent) => {
    socket.data = { ...socket.data, unsent: bytes, sent };
    flush(socket);
  });
}
/** Sends what fits; Bun calls it again (drain) when there is room. */
export function flush(socket: Socket<Sending>): void {
  if (socket.data === undefined) return; // nothing was ever sent
  const written = socket.write(socket.data.unsent); // -1: it is closing
  const gone = written < 0 ? socket.data.unsent.length : written;
  socket.data.unsent = socket.data.unsent.subarray(gone);
  if (socket.data.unsent.length === 0) socket.data.sent();
}
