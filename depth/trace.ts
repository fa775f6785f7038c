// depth/trace.ts: --trace. Wraps the functions a script gives Bun (open, data, drain,
// close, ...) so that each call is told on standard error, with the Python step it stands
// for on the row below it; the functions themselves are not changed. At most 20 lines a second, then one line
// saying the rest are not shown (a class server passes its own `say`, which counts them).

import type { Socket } from "bun";
import { hostAndPort } from "./names.ts";

/** What each call stands for in the tutorial's Python, on each side. */
const SERVER_STEPS: Record<string, string> = {
  open: "s.accept() returns conn, addr",
  data: "conn.recv(1024) returns data",
  drain: "conn.sendall() goes on sending",
  end: "conn.recv(1024) returns b'': not data, break",
  close: "the program goes on after its loop",
  error: "an exception in the loop",
};
const CLIENT_STEPS: Record<string, string> = {
  data: "they wait for s.recv(1024)",
  drain: "s.sendall() goes on sending",
  close: "the next s.recv(1024) returns b''",
};
const LINES_PER_SECOND = 20; // a flood of calls stays a trace
const INDENT = " ".repeat("(trace) ".length); // the Python under the call

type Handler = (socket: Socket<unknown>, ...rest: unknown[]) => unknown;

/**
 * The same functions, each telling its call first. `say` writes a line on standard error;
 * without it, this module writes them, 20 a second at most.
 */
export function traced<T extends object>(events: T, say?: (line: string) => void): T {
  const steps = "open" in events ? SERVER_STEPS : CLIENT_STEPS;
  const tell = say ?? limited();
  const wrapped: Record<string, Handler> = {};
  for (const [event, handler] of Object.entries(events) as [string, Handler][]) {
    wrapped[event] = (socket, ...rest) => {
      // Bun calls drain after most writes; it matters only when bytes wait to be sent.
      if (event === "drain" && !waiting(socket)) return handler(socket, ...rest);
      const call = `${event}(${describe(event, socket, rest, "open" in events)})`;
      // Two rows, so that each fits a projector's 80 columns: the call, then its Python.
      tell(`(trace) Bun calls ${call}\n${INDENT}in Python, ${steps[event] ?? event}`);
      return handler(socket, ...rest);
    };
  }
  return wrapped as T;
}

const names = new WeakMap<object, string>(); // each client's name, read once: a closed
// socket no longer has its port, and the system is asked each time it is read

/** Whether a socket has bytes that write() could not send yet (sendAll()'s `unsent`). */
function waiting(socket: Socket<unknown>): boolean {
  const data = socket.data as { unsent?: Uint8Array } | undefined;
  return (data?.unsent?.length ?? 0) > 0;
}

/** What a call's arguments show: the client's name on a server, bytes, an error. */
export function describe(event: string, socket: Socket<unknown>, rest: unknown[], server: boolean) {
  const parts: string[] = [];
  if (!names.has(socket)) names.set(socket, nameOf(socket));
  if (server) parts.push(names.get(socket)!);
  const [first] = rest;
  if (event === "data" && first instanceof Uint8Array) parts.push(`${first.length} bytes`);
  if ((event === "close" || event === "error") && first instanceof Error) parts.push(first.message);
  return parts.join(", ");
}

/** A client's address and port; a client reset before it is first seen has neither. */
function nameOf(socket: Socket<unknown>): string {
  const address = socket.remoteAddress?.replace(/^::ffff:(?=\d)/, "");
  const port = socket.remotePort;
  if (!address || !port) return "a client reset before it was seen";
  return hostAndPort(address, port);
}

/** A writer of lines on standard error, 20 a second, then one line about the rest. */
export function limited(write = (line: string) => console.error(line)) {
  let second = -1;
  let count = 0;
  return (line: string) => {
    const now = Math.floor(performance.now() / 1000);
    if (now !== second) {
      second = now; // a new second: its own 20 lines
      count = 0;
    }
    count++;
    if (count <= LINES_PER_SECOND) write(line);
    if (count === LINES_PER_SECOND + 1) write("(trace) more this second: not shown");
  };
}
