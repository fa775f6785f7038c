// depth/class-server.ts: `bun server.ts --keep-open`, the whole class at once. Its own
// design, beside the lesson's one-client server: the same steps, and what a class needs
// besides (classroom.ts: who gets a place, each one's share of the projector).
// - Output goes through one queue written without blocking (output.ts): Ctrl-S on the
//   teacher's terminal stops nobody, and Ctrl-C still stops the server.
// - A client's reading stops until its reply is sent: one that never reads holds a chunk.
// - Keepalive finds a laptop that vanished; a connection reset before Bun took it, or one
//   that takes the last file descriptor, is closed alone, with a line that says so.

import { closeSync, openSync } from "node:fs";
import { constants, devNull } from "node:os";
import { isatty } from "node:tty";
import type { Socket, TCPSocketListener } from "bun";
import { Classroom } from "./classroom.ts";
import { visible } from "./escapes.ts";
import { banner, cannotListen } from "./listening.ts";
import { hostAndPort } from "./names.ts";
import type { ServerOptions } from "./options.ts";
import { output, print, printed } from "./output.ts";
import { flush, sendAll } from "./sending.ts";
import { traced } from "./trace.ts";

/** What the class server keeps for each client. */
type Client = {
  name: string; // its address and port, as people type them: 127.0.0.1:52144
  address: string; // its address alone: 127.0.0.1
  decoder: TextDecoder; // bytes to text; keeps half a character until the rest arrives
  unsent: Uint8Array; // the reply that write() could not send yet
  sent: () => void; // settles the reply's promise once it is all out
};

const GOT_IT = new TextEncoder().encode("Got it!"); // the tutorial's reply
const IPV4_OVER_IPV6 = /^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/; // an IPv4 client of "::"
const KEEPALIVE = 10_000; // ms of silence before the system checks a client is there
const STOP_WAIT = 500; // ms Ctrl-C waits for output that a stopped terminal won't take
const HELD_RATE = 2 * 2 ** 20; // bytes a second read from a sender whose text is held back

/** Where the class server's lines go: the process's own outputs, or a test's. */
type Outputs = { print: typeof print; output: typeof output; printed: typeof printed };

export class ClassServer {
  private clients = new Set<Socket<Client>>(); // the clients being served now, oldest first
  private room: Classroom;
  private server!: TCPSocketListener<Client>;

  constructor(
    private options: ServerOptions,
    private io: Outputs = { print, output, printed },
  ) {
    const { maxClients } = options;
    const { print, output } = io;
    this.room = new Classroom({ clients: this.clients, maxClients, print, output, visible });
    let events = {
      open: (conn: Socket<Client>) => this.onOpen(conn),
      data: (conn: Socket<Client>, bytes: Buffer) => this.onData(conn, bytes),
      end: (conn: Socket<Client>) => this.onEnd(conn),
      drain: (conn: Socket<Client>) => flush(conn),
      close: (conn: Socket<Client>, problem?: Error) => this.onClose(conn, problem),
      error: (conn: Socket<Client>, problem: Error) => this.onError(conn, problem),
    };
    if (options.trace) events = traced(events, (line) => this.note("trace", line));
    try {
      const { host: hostname, port } = options;
      this.server = Bun.listen<Client>({ hostname, port, socket: events });
    } catch (problem) {
      console.error(cannotListen(problem, options.host, options.port));
      process.exit(1);
    }
  }

  /** "Listening on", and how others connect: in one write, once Ctrl-C is taken care of. */
  sayListening(): void {
    this.io.output(2, banner(this.options.named, this.server.port));
  }

  /** The port it listens on (the one the system picked, for --port 0). */
  get port(): number {
    return this.server.port;
  }

  /** A client has connected: a place in the room, if there is one (or one is made). */
  private onOpen(conn: Socket<Client>): void {
    // Read each once: a connection reset before Bun took it has no address left.
    const remote = conn.remoteAddress;
    const remotePort = conn.remotePort;
    if (!remote || !remotePort) {
      this.note("resets", "A client reset its connection before the server could take it.");
      return;
    }
    conn.setKeepAlive(true, KEEPALIVE); // a laptop that vanished (lid shut) is found out
    const address = remote.replace(IPV4_OVER_IPV6, "");
    const name = hostAndPort(address, remotePort);
    const decoder = new TextDecoder();
    conn.data = { name, address, decoder, unsent: new Uint8Array(), sent: () => {} };
    // Throws if no descriptor is left: Bun calls onError(), which closes this connection
    closeSync(openSync(devNull, "r")); // (else Bun would retry accept() at full speed)
    if (this.clients.size >= this.options.maxClients && !this.room.makeRoom(conn)) {
      const whyNot = `is full (${this.options.maxClients} at a time)`;
      this.note("clients turned away", `Turned away ${name}: the server ${whyNot}.`);
      conn.end(`The server ${whyNot}: try again later.`);
      return;
    }
    this.clients.add(conn);
    this.room.announce(conn); // "Connection from : " and its name, within its share
  }

  /** A chunk of bytes: shown within the sender's share, answered at once. */
  private onData(conn: Socket<Client>, bytes: Buffer): void {
    if (conn.data === undefined) return; // reset before onOpen() could take it
    // Read no more from this client until its reply is sent: one that never reads its
    // replies then holds one chunk, not all it sends.
    conn.pause();
    this.room.show(conn, conn.data.decoder.decode(bytes, { stream: true }));
    // Once the reply is out, read on, after the other clients' chunks: they take turns.
    // A sender whose text the projector holds back is read at HELD_RATE at most: a flood
    // is still answered, only slower, and the others' turns come between its chunks.
    const wait = this.room.holdsBack(conn) ? (bytes.length / HELD_RATE) * 1000 : 0;
    const readOn = () => conn.resume();
    sendAll(conn, GOT_IT).then(() => (wait > 0 ? setTimeout(readOn, wait) : setImmediate(readOn)));
  }

  /** The client has finished: show the rest of a character cut short. */
  private onEnd(conn: Socket<Client>): void {
    if (conn.data === undefined) return;
    this.room.show(conn, conn.data.decoder.decode());
  }

  /** The connection is gone: say who left, and what was held back. */
  private onClose(conn: Socket<Client>, problem?: Error): void {
    if (conn.data === undefined) return; // reset before onOpen() could take it
    const wasServed = this.clients.delete(conn); // false: turned away, replaced, stopping
    // Bun's code alone (ECONNRESET): its words too would pass 80 columns with the name.
    const code = (problem as { code?: string } | undefined)?.code ?? problem?.message;
    const left = problem ? `left abruptly (${code})` : "left";
    this.room.leave(conn, wasServed ? left : "");
  }

  /** One connection went wrong (a reset, no descriptor left): close it alone. */
  private onError(conn: Socket<Client>, problem: Error): void {
    let why = problem.message;
    if (why.includes("EMFILE")) why = "no file descriptor left: raise ulimit -n";
    const name = conn.data?.name ?? "a connection"; // no name if it failed before onOpen()
    this.note("errors", `Closed ${name} after an error: ${why}`);
    conn.end();
  }

  /** A line on standard error; of one kind, 20 a second (classroom.ts). */
  private note(kind: string, line: string): void {
    this.room.note(kind, line);
  }

  /** Stops listening, and closes every connection in order: no reset, no more lines. */
  close(): void {
    this.clients.clear(); // so that their onClose() says nothing more
    this.server.stop(true); // closes every connection in order
  }

  /** Ctrl-C, SIGTERM, a closed terminal: close every connection in order, not a reset. */
  stop(signal: "SIGINT" | "SIGTERM" | "SIGHUP"): void {
    // The terminal has echoed ^C where the cursor was: the line starts on a line of its own.
    const own = signal === "SIGINT" && isatty(2) ? "\n" : "";
    this.note("stopping", `${own}Stopped by ${signal === "SIGINT" ? "Ctrl-C" : signal}.`);
    this.close();
    const code = 128 + constants.signals[signal]; // how shells report "ended by a signal"
    this.io.printed().then(() => process.exit(code));
    setTimeout(() => process.exit(code), STOP_WAIT); // a stopped terminal: stop anyway
  }
}

/**
 * `bun server.ts --keep-open`: serves the class with the options server.ts has read, until
 * Ctrl-C or a signal ends the process.
 */
export function serveClass(options: ServerOptions): void {
  const server = new ClassServer(options);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => server.stop(signal));
  }
  server.sayListening(); // after: a Ctrl-C the moment it is read still says "Stopped"
}
