// depth/server-extras.ts: what depth/ adds to server.ts, in the one module it loads (by a
// literal path, so that tsc checks each call): every option (options.ts); for the lesson's
// own one-client server, the banner, a true line when it cannot listen, keepalive and
// --trace; with --keep-open, the class server (loaded only then).

import type { Socket } from "bun";
import type { ServerOptions } from "./options.ts";
import { traced } from "./trace.ts";

export { banner, cannotListen } from "./listening.ts";
export { serverOptions } from "./options.ts";

const KEEPALIVE = 10_000; // ms of silence before the system checks the client is there

/**
 * The lesson's functions for Bun.listen, the same but for two things: each connection is
 * checked by keepalive once silent (a laptop whose lid was shut is found gone within about
 * 20 s, and the server ends as when the client leaves); with --trace, each call is told.
 */
export function sturdier<T extends { open: (socket: never) => void }>(
  events: T,
  trace: boolean,
): T {
  const opened = events.open as (socket: Socket<unknown>) => void;
  const open = (socket: Socket<unknown>) => {
    socket.setKeepAlive(true, KEEPALIVE);
    opened(socket);
  };
  const kept = { ...events, open };
  return trace ? traced(kept) : kept;
}

/** `bun server.ts --keep-open`: the class server, with the options server.ts has read. */
export async function serveClass(options: ServerOptions): Promise<void> {
  const classServer = await import("./class-server.ts").catch(() => undefined);
  if (classServer?.serveClass === undefined) {
    console.error("depth/class-server.ts is missing or broken: copy depth/ again.");
    process.exit(2);
  }
  classServer.serveClass(options);
}
