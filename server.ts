#!/usr/bin/env bun
// server.ts: the sockets tutorial's server, on Bun.
//
//   bun server.ts               wait for one client on port 1337
//   bun server.ts --port 5000   use another port (--port 0 picks a free one)
//
// Then start the client in a second terminal: bun client.ts
//
// This is the tutorial's "Server" section, step by step: each step below starts with
// the Python it stands for. Python's socket calls wait ("Blocks!") until something
// happens. Bun's never wait: instead Bun calls our handlers when something happens:
// open (a client connected), data (bytes arrived), drain (a full socket has room
// again), end (the client has sent its last byte), close (the connection is gone).
//
// Bun's TCP sockets: https://bun.sh/docs/api/tcp

import type { Socket } from "bun";
import { parseArgs } from "node:util";

const USAGE = "usage: bun server.ts [--port PORT]";
const { port } = readOptions();
const GOT_IT = new TextEncoder().encode("Got it!");
const clients = new Set<Socket<Connection>>();
let exitCode = 0; // what the server exits with once its client is gone

// Where Python would print a traceback, print one line that says what to do.
process.on("uncaughtException", (error) => giveUp(explain(error)));
// Ctrl-C (SIGINT) or SIGTERM: close the connection in order, then stop.
process.on("SIGINT", () => stop("Ctrl-C", 130));
process.on("SIGTERM", () => stop("SIGTERM", 143));

// import socket
// (Nothing to import: Bun.listen is built into Bun.)

// s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
// s.bind(('', 1337))
// s.listen()
// Bun does all three in one call. Python's '' is "0.0.0.0": every IPv4 address
// of this computer, so other computers can connect too.
const server = Bun.listen<Connection>({
  hostname: "0.0.0.0",
  port,
  allowHalfOpen: true, // keep replying after the client has sent its last message
  socket: {
    // conn, addr = s.accept() # Blocks!
    open(conn) {
      server.stop(); // like the tutorial, serve one client: turn any other away
      conn.data = { unsent: [], decoder: new TextDecoder(), replied: Promise.resolve() };
      clients.add(conn);
      // print('Connection from : ' + addr[0])
      console.log("Connection from : " + conn.remoteAddress);
    },

    // while True:
    //     data = conn.recv(1024) # Blocks!
    data(conn, data) {
      // print(data.decode())
      show(conn.data.decoder.decode(data, { stream: true }));
      // conn.sendall(b'Got it!')
      // Like Python, read nothing more until the reply has gone out.
      conn.pause();
      conn.data.replied = sendAll(conn, GOT_IT).then(() => conn.resume());
    },
    drain: flush, // the socket has room again: send what sendAll left waiting

    //     if not data:
    //         break
    end(conn) {
      show(conn.data.decoder.decode()); // a character cut off at the very end
      // The client has sent its last message: finish replying, then hang up.
      conn.data.replied.then(() => conn.end());
    },
    close(conn, error) {
      clients.delete(conn);
      if (error) giveUp(`The client left abruptly (${error.message}).`);
      process.exit(exitCode);
    },
  },
});
console.error(`Listening on 0.0.0.0:${server.port}, waiting for a client (bun client.ts)`);

// ---------------------------------------------------------------------------------
// What Python gives for free, and Bun leaves to us.

/** What the server keeps for its connection. */
type Connection = { unsent: Unsent[]; decoder: TextDecoder; replied: Promise<void> };

/** Prints text received from the client, as the tutorial's print() does. */
function show(text: string): void {
  if (text !== "") console.log(visible(text));
}

/** Turns an error into one line that says what happened and what to do. */
function explain(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  if (code === "EADDRINUSE")
    return `Port ${port} is already in use: stop the other server (Ctrl-C in its terminal) or choose another port with --port.`;
  if (code === "EACCES")
    return `This computer does not let this program use port ${port} (ports up to 1023 need special privileges): use a port above 1023, such as --port 1337.`;
  return `The server stopped: ${message ?? String(error)}`;
}

/** Prints one line on standard error and exits 1: a network problem. */
function giveUp(line: string): never {
  console.error(line);
  process.exit(1);
}

/** Closes every connection in order (the client sees an end, not a reset) and exits. */
function stop(why: string, code: number): never {
  console.error(`Stopped by ${why}.`);
  exitCode = code;
  server.stop();
  for (const conn of clients) conn.end(); // its close handler exits with exitCode
  process.exit(exitCode);
}

/** Reads --port from the command line; a mistake prints the usage and exits 2. */
function readOptions(): { port: number } {
  try {
    const { values } = parseArgs({ options: { port: { type: "string", default: "1337" } } });
    return { port: parsePort(values.port) };
  } catch (error) {
    console.error(`${(error as Error).message.split("\n")[0]}\n${USAGE}`);
    process.exit(2);
  }
}

// ---------------------------------------------------------------------------------
// The helpers below are the same in server.ts and client.ts (a test checks).

/** A port is a whole number from 0 to 65535 (0: let the system choose). */
function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`--port takes a number from 0 to 65535, not "${text}"`);
  return port;
}

/**
 * Text from the other side, safe to print: terminal control codes (escape sequences
 * that clear the screen or set the title, BEL, backspace, NUL, ...) become visible
 * escapes such as \x1b[2J instead of acting on the terminal. Newline and tab stay.
 */
function visible(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** Bytes that socket.write() could not send yet, and what to do once they are sent. */
type Unsent = { bytes: Uint8Array; sent: () => void };

/**
 * Python's sendall(): send every byte. Bun's write() sends what fits right now and
 * returns how many bytes that was; the rest waits in the socket's queue, and flush()
 * sends it when Bun calls drain. The promise settles once every byte is sent.
 */
function sendAll(socket: Socket<{ unsent: Unsent[] }>, bytes: Uint8Array): Promise<void> {
  return new Promise((sent) => {
    socket.data.unsent.push({ bytes, sent });
    if (socket.data.unsent.length === 1) flush(socket);
  });
}

/** Writes the queue's bytes in order until the socket is full or the queue is empty. */
function flush(socket: Socket<{ unsent: Unsent[] }>): void {
  const queue = socket.data.unsent;
  while (queue[0]) {
    const head = queue[0];
    const written = socket.write(head.bytes);
    if (written < 0) return; // the socket is closing: nothing more can go out
    head.bytes = head.bytes.subarray(written);
    if (head.bytes.length > 0) return; // full: drain will call flush again
    queue.shift();
    head.sent();
  }
}
