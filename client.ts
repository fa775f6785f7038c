#!/usr/bin/env bun
// client.ts: the sockets tutorial's client, on Bun.
//
//   bun client.ts               connect to the server on this computer, port 1337
//   bun client.ts --port 5000   connect to another port
//
// Start the server first (bun server.ts), then this. Type a message and press Enter:
// the server prints it and answers "Got it!". Ctrl-D (Ctrl-Z then Enter on Windows)
// ends the input; the client then says goodbye to the server and exits.
//
// This is the tutorial's "Client" section, step by step: each step below starts with
// the Python it stands for. Python's calls wait ("Blocks!"); here we `await` instead,
// and Bun calls our handlers when bytes arrive (data), when a full socket has room
// again (drain), and when the connection is gone (close).
//
// Bun's TCP sockets: https://bun.sh/docs/api/tcp

import type { Socket } from "bun";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

const USAGE = "usage: bun client.ts [--port PORT]";
const { port } = readOptions();
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false })[
  Symbol.asyncIterator
]();

// import socket
// (Nothing to import: Bun.connect is built into Bun.)

// s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
// s.connect(('127.0.0.1', 1337))
const s = await Bun.connect<Connection>({
  hostname: "127.0.0.1",
  port,
  data: { unsent: [], decoder: new TextDecoder(), replies: "", wake: () => {}, inputEnded: false },
  socket: {
    data(s, data) {
      // Replies arrive whenever they arrive; recv() below hands them out.
      s.data.replies += s.data.decoder.decode(data, { stream: true });
      s.data.wake();
    },
    drain: flush, // the socket has room again: send what sendAll left waiting
    close(s) {
      // The server hung up. After our end of input that is the goodbye we expect.
      const rest = s.data.replies + s.data.decoder.decode();
      if (rest !== "") console.log(rest);
      if (s.data.inputEnded) process.exit(0);
      console.error("The server closed the connection.");
      process.exit(1);
    },
  },
});

while (true) {
  // msg = input('Type your msg here: ')
  const msg = await input("Type your msg here: ");
  if (msg === undefined) break; // end of input (Ctrl-D, or the end of a pipe)
  if (msg === "") continue; // nothing to send: an empty message would get no reply
  // s.sendall(msg.encode())
  await sendAll(s, new TextEncoder().encode(msg));
  // data = s.recv(1024) # Blocks!
  const data = await recv(s);
  // print(data.decode())
  console.log(data);
}

// The input has ended: tell the server we have nothing more to send (a half-close),
// and let the close handler above print its last replies once it hangs up.
s.data.inputEnded = true;
s.shutdown();

// ---------------------------------------------------------------------------------
// What Python gives for free, and Bun leaves to us.

/** What the client keeps for its connection. */
type Connection = {
  unsent: Unsent[];
  decoder: TextDecoder;
  replies: string; // received, not printed yet
  wake: () => void; // recv() waiting for a reply
  inputEnded: boolean;
};

/** Python's input(): prints the prompt, then reads one line without its line ending. */
async function input(prompt: string): Promise<string | undefined> {
  process.stdout.write(prompt);
  const line = await lines.next();
  return line.done ? undefined : line.value;
}

/** Python's recv(): waits until the server has sent something, and takes all of it. */
async function recv(s: Socket<Connection>): Promise<string> {
  while (s.data.replies === "") await new Promise<void>((wake) => (s.data.wake = wake));
  const replies = s.data.replies;
  s.data.replies = "";
  return replies;
}

/** Reads --port from the command line; a mistake prints the usage and exits 2. */
function readOptions(): { port: number } {
  try {
    const { values } = parseArgs({ options: { port: { type: "string", default: "1337" } } });
    return { port: parsePort(values.port) };
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

/** A port is a whole number from 0 to 65535 (0: let the system choose). */
function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`--port takes a number from 0 to 65535, not "${text}"`);
  return port;
}

// sendAll and flush: the same in server.ts and client.ts (a test checks).

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
