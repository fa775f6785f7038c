#!/usr/bin/env bun
// client.ts: the sockets tutorial's client, on Bun.
//
//   bun client.ts                   connect to the server on this computer, port 1337
//   bun client.ts --port 5000       connect to another port
//   bun client.ts 192.168.1.20      connect to the server on another computer
//   bun client.ts [::1]:5000        an address and a port together (IPv6 in brackets)
//
// (bun client.ts --help lists every option.)
//
// Start the server first (bun server.ts), then this. Type a message and press Enter:
// the server prints it and answers "Got it!". Ctrl-D (Ctrl-Z then Enter on Windows)
// ends the input; the client then says goodbye to the server and exits.
//
// This is the tutorial's "Client" section, step by step: each step below is named
// ("Step 3: ...", as in WALKTHROUGH.md) and quotes the Python it stands for. Python's calls wait ("Blocks!"); here we `await` instead,
// and Bun calls our handlers when bytes arrive (data), when a full socket has room
// again (drain), and when the connection is gone (close).
//
// Bun's TCP sockets: https://bun.sh/docs/api/tcp

import type { Socket } from "bun";

const { host, port, timeout } = readOptions();
const lines = readLines();
let stoppedWith: number | undefined; // the exit code stop() chose on Ctrl-C or SIGTERM

process.stdout.on("error", () => {}); // output closed early (| head): keep going quietly

// Step 1: import the socket module
// import socket
// Nothing to import: Bun.connect is built into Bun.

// Step 2: create a TCP socket
// s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
// Step 3: connect to the server
// s.connect(('127.0.0.1', 1337))
// Bun does both in one call. It never gives up waiting for an answer by itself, so we
// do, after --timeout seconds.
const noAnswer = setTimeout(() => giveUp({ code: "ETIMEDOUT" }), timeout * 1000);
const s = await Bun.connect<Connection>({
  hostname: host,
  port,
  data: { unsent: [], decoder: new TextDecoder(), replies: "", wake: () => {}, inputEnded: false },
  socket: {
    data(s, data) {
      // Replies arrive whenever they arrive; recv() below hands them out.
      s.data.replies += s.data.decoder.decode(data, { stream: true });
      s.data.wake();
    },
    drain: flush, // the socket has room again: send what sendAll left waiting
    close(s, error) {
      if (stoppedWith !== undefined) process.exit(stoppedWith);
      // The server hung up. After our end of input that is the goodbye we expect.
      const rest = visible(s.data.replies + s.data.decoder.decode());
      if (s.data.inputEnded && !error) {
        if (rest !== "") console.log(rest);
        process.exit(0);
      }
      giveUp(error ?? { code: "EOF", said: rest }); // "said": why a full server turned us away
    },
  },
}).catch(giveUp);
clearTimeout(noAnswer);
// From now on Ctrl-C (SIGINT) or SIGTERM closes the connection in order, then stops.
process.on("SIGINT", () => stop("Ctrl-C", 130));
process.on("SIGTERM", () => stop("SIGTERM", 143));

// Step 4: read a message
// while True:
//     msg = input('Type your msg here: ')
while (true) {
  const msg = await input("Type your msg here: ");
  if (msg === undefined) break; // end of input (Ctrl-D, or the end of a pipe)
  if (msg.length === 0) continue; // nothing to send: an empty message would get no reply
  // Step 5: send it
  //     s.sendall(msg.encode())
  // (Our input() already gives the line as UTF-8 bytes, the form a socket sends.)
  await sendAll(s, msg);
  // Step 6: receive the reply
  //     data = s.recv(1024) # Blocks!
  const data = await recv(s);
  // Step 7: print the reply
  //     print(data.decode())
  console.log(visible(data));
}

// The input has ended: tell the server we have nothing more to send (a half-close),
// and let the close handler above print its last replies once it hangs up.
if (process.stdin.isTTY) console.error(); // after Ctrl-D, end the prompt's line
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

/** Python's input(): prints the prompt, then reads one line (as bytes, without its ending). */
async function input(prompt: string): Promise<Uint8Array | undefined> {
  process.stdout.write(prompt);
  const line = await lines.next();
  return line.done ? undefined : line.value;
}

/**
 * Standard input, one line at a time, as bytes without "\n" or "\r\n". The last line
 * counts even without a newline. Kept as bytes, a 50 MB line is never copied into a
 * string and back.
 */
async function* readLines(): AsyncGenerator<Uint8Array> {
  const NEWLINE = 10; // the byte of "\n"
  let parts: Uint8Array[] = []; // the line so far
  for await (const chunk of Bun.stdin.stream()) {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
      parts.push(chunk.subarray(start, end));
      yield withoutCR(Buffer.concat(parts));
      parts = [];
      start = end + 1;
    }
    parts.push(chunk.subarray(start));
  }
  const last = Buffer.concat(parts);
  if (last.length > 0) yield withoutCR(last);
}

/** A line typed on Windows ends in "\r\n": drop the "\r". */
function withoutCR(line: Uint8Array): Uint8Array {
  const CARRIAGE_RETURN = 13; // the byte of "\r"
  return line.at(-1) === CARRIAGE_RETURN ? line.subarray(0, -1) : line;
}

/** Python's recv(): waits until the server has sent something, and takes all of it. */
async function recv(s: Socket<Connection>): Promise<string> {
  while (s.data.replies === "") await new Promise<void>((wake) => (s.data.wake = wake));
  const replies = s.data.replies;
  s.data.replies = "";
  return replies;
}

/** Turns an error into one line that says what happened and what to do. */
function explain(error: unknown): string {
  const { code, message, said } = error as { code?: string; message?: string; said?: string };
  const where = hostAndPort(host, port);
  switch (code) {
    case "ECONNREFUSED": // Bun 1.4.5 also reports "no route to that network" this way
      return `Connection refused by ${where}: nobody is listening there. Start the server first (bun server.ts), and check the address, the port, and that both computers are on the same network.`;
    case "ENOTFOUND":
    case "EAI_NONAME":
      return `Could not find a computer named "${host}": check the name, or use its IP address (the server prints it).`;
    case "ETIMEDOUT":
      return `No answer from ${where} within ${timeout} s: check the address, that the server is running, and that no firewall or router blocks port ${port}.`;
    case "ECONNRESET":
      return "The server reset the connection: it stopped abruptly.";
    case "EOF":
      return said ? `The server closed the connection, saying: ${said}` : "The server closed the connection.";
  }
  return `Connection to ${where} failed: ${message ?? String(error)}`;
}

/** Prints one line on standard error and exits 1: a network problem. */
function giveUp(error: unknown): never {
  console.error(explain(error));
  process.exit(1);
}

/** Closes the connection in order (the server sees an end, not a reset) and exits. */
function stop(why: string, code: number): never {
  console.error(`\nStopped by ${why}.`);
  stoppedWith = code;
  s.end(); // its close handler exits with the code
  process.exit(code);
}

/** Reads the options; --help prints them (exit 0), a mistake prints the usage (exit 2). */
function readOptions(): { host: string; port: number; timeout: number } {
  const usage = "usage: bun client.ts [HOST | HOST:PORT | [IPv6]:PORT] [--host HOST] [--port PORT] [--timeout SECONDS] [--help]";
  try {
    const { options, positionals } = readArgs(["help"], ["host", "port", "timeout"]);
    if (options.has("help")) {
      console.log(help(usage));
      process.exit(0);
    }
    if (positionals.length > 1) throw new Error(`one server address, please, not ${positionals.length}`);
    const server = splitAddress(positionals[0]);
    if (server.host !== undefined && options.has("host")) throw new Error("give the address once: as HOST or --host");
    if (server.port !== undefined && options.has("port")) throw new Error("give the port once: as HOST:PORT or --port");
    const timeout = Number(options.get("timeout") ?? "10");
    if (!(timeout > 0)) throw new Error(`--timeout takes a number of seconds above 0, not "${options.get("timeout")}"`);
    return {
      host: server.host ?? options.get("host") ?? "127.0.0.1",
      port: parsePort(server.port ?? options.get("port") ?? "1337"),
      timeout,
    };
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
}

/** "192.168.1.20", "192.168.1.20:5000", "::1", "[::1]:5000" into host and port. */
function splitAddress(text: string | undefined): { host?: string; port?: string } {
  if (text === undefined) return {};
  const bracketed = text.match(/^\[([^\]]+)\](?::(.*))?$/); // [IPv6] or [IPv6]:PORT
  if (bracketed) return { host: bracketed[1], port: bracketed[2] };
  const parts = text.split(":");
  if (parts.length === 2) return { host: parts[0], port: parts[1] }; // HOST:PORT
  return { host: text }; // a name, an IPv4 address, or an IPv6 address without a port
}

/** What --help prints. */
function help(usage: string): string {
  return `The sockets tutorial's client: sends each line you type to the server and prints its answer.

${usage}

Arguments and options:
  HOST               the server's address or name (default 127.0.0.1, this computer);
                     HOST:PORT and [IPv6]:PORT give the port too
  --host HOST        the same as HOST
  --port PORT        the server's port (default 1337)
  --timeout SECONDS  how long to wait for the server to answer (default 10)
  -h, --help         this help

Examples:
  bun client.ts                   the server on this computer, port 1337
  bun client.ts 192.168.1.20      the server on another computer (it prints its address)
  bun client.ts [::1]:5000        IPv6, port 5000

End the input with Ctrl-D (on Windows: Ctrl-Z, then Enter).
Exit status: 0 done, 1 network problem, 2 usage mistake, 130 Ctrl-C, 143 SIGTERM.`;
}

// ---------------------------------------------------------------------------------
// The helpers below are the same in server.ts and client.ts (a test checks).

/** A port is a whole number from 0 to 65535 (0: let the system choose). */
function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`--port takes a number from 0 to 65535, not "${text}"`);
  return port;
}

/** A host and port as people type them: 10.0.0.5:1337, or [::1]:1337 for IPv6. */
function hostAndPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The command line, read as Python's argparse would: "--name VALUE" and "--name=VALUE"
 * for the names in `named`, the names in `flags` alone ("-h" is "--help"), and the rest
 * as positionals. A mistake throws, for the usage message.
 */
function readArgs(flags: string[], named: string[]): { options: Map<string, string>; positionals: string[] } {
  const options = new Map<string, string>();
  const positionals: string[] = [];
  const args = process.argv.slice(2);
  while (args.length > 0) {
    const arg = args.shift()!;
    if (!arg.startsWith("-")) {
      positionals.push(arg);
      continue;
    }
    const [name = "", value] = arg === "-h" ? ["help"] : arg.replace(/^--/, "").split(/=(.*)/s);
    if (flags.includes(name) && value === undefined) {
      options.set(name, "");
    } else if (named.includes(name)) {
      const given = value ?? args.shift();
      if (given === undefined || given.startsWith("--")) throw new Error(`--${name} needs a value`);
      options.set(name, given);
    } else {
      throw new Error(`unknown option ${arg}`);
    }
  }
  return { options, positionals };
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
    if (written < 0) {
      // The socket is closing: nothing more can go out. Let whoever waits for these
      // bytes go on (the server resumes reading, and so hears of the close).
      for (const { sent } of queue.splice(0)) sent();
      return;
    }
    head.bytes = head.bytes.subarray(written);
    if (head.bytes.length > 0) return; // full: drain will call flush again
    queue.shift();
    head.sent();
  }
}
