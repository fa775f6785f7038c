#!/usr/bin/env bun
// client.ts: the sockets tutorial's client, on Bun: `bun client.ts [HOST]`; Ctrl-D ends it
// (Windows: Ctrl-Z, Enter). Steps quote the tutorial (WALKTHROUGH.md). https://bun.sh/docs/api/tcp

import { constants } from "node:os";
import { parseArgs } from "node:util";
import type { Socket } from "bun";

const { host, port, timeout } = readOptions();
const lines = readLines();
const got = { text: "", last: "", decoder: new TextDecoder(), wake: () => {}, inputEnded: false };
process.on("uncaughtException", giveUp).on("unhandledRejection", giveUp); // not a traceback
process.stdout.on("error", () => {}); // output closed early (| head): keep going quietly

// Step 1: import the socket module
// import socket
// Nothing to import: Bun.connect is built into Bun.

// Step 2: create a TCP socket
// s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
// Step 3: connect to the server
// s.connect(('127.0.0.1', 1337))
// Bun does both in one call; within() gives up after --timeout seconds (Python would wait).
const connecting = Bun.connect<{ unsent: Unsent[] }>({
  hostname: host,
  port,
  data: { unsent: [] },
  socket: {
    data(s, bytes) {
      got.text += got.decoder.decode(bytes, { stream: true }); // for recv()
      if (got.text.length > 65536) s.pause(); // plenty unread: let the kernel hold the rest
      got.wake();
    },
    drain: flush, // the socket has room again: send what sendAll() left waiting
    close(_s, error) {
      if (process.exitCode) return; // stop() is closing it, with its exit code
      const said = got.text + got.decoder.decode(); // received, not yet printed
      if (!got.inputEnded || error) giveUp({ code: "EOF", ...error, said: said || got.last });
      if (said !== "") console.log(visible(said));
      process.exit(0);
    },
  },
});
const s = await within("answer", connecting);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, stop);

// Step 4: read a message
// while True:
//     msg = input('Type your msg here: ')
while (true) {
  const msg = await input("Type your msg here: ");
  if (msg === undefined) break; // end of input: Ctrl-D, Ctrl-Z on Windows, or a pipe's end
  if (msg.length === 0) continue; // nothing to send: an empty message would get no reply
  // Step 5: send it
  //     s.sendall(msg.encode())
  // (input() gives the line as UTF-8 bytes already: the form a socket sends.)
  await within("answer", sendAll(s, msg));
  // Step 6: receive the reply
  //     data = s.recv(1024) # Blocks!
  const data = await within("reply", recv(s));
  // Step 7: print the reply
  //     print(data.decode())
  console.log(visible(data));
}

// End of input: tell the server (a half-close); the close handler above prints its goodbye.
if (process.stdin.isTTY) console.error(); // after Ctrl-D, end the prompt's line
await Bun.sleep(20); // a hang-up sent right behind the last reply arrives by then: hear it first
got.inputEnded = true;
s.shutdown();
await within("goodbye", new Promise(() => {}));

// What Python gives for free, and Bun leaves to us.
/** Python's input(): prints the prompt, reads a line (as bytes, without its "\n" or "\r\n"). */
async function input(prompt: string): Promise<Uint8Array | undefined> {
  process.stdout.write(prompt);
  const next = await lines.next();
  const line = next.value?.at(-1) === 13 ? next.value.subarray(0, -1) : next.value; // "\r\n"
  return !line || (line.length === 1 && line[0] === 26) ? undefined : line; // end; Ctrl-Z alone
}
/** Standard input a line at a time, as bytes (so a 50 MB line is never copied to a string). */
async function* readLines(): AsyncGenerator<Uint8Array> {
  let line: Uint8Array[] = [];
  for await (const chunk of Bun.stdin.stream()) {
    let start = 0;
    for (let end = chunk.indexOf(10); end >= 0; end = chunk.indexOf(10, start)) {
      yield Buffer.concat([...line, chunk.subarray(start, end)]);
      [line, start] = [[], end + 1];
    }
    line.push(chunk.subarray(start));
    if (line.reduce((n, part) => n + part.length, 0) > 64 * 2 ** 20) giveUp({ code: "EFBIG" });
  }
  if (line.some((part) => part.length > 0)) yield Buffer.concat(line);
}
/** Python's recv(): waits until the server has sent something, and takes all of it. */
async function recv(s: Socket<{ unsent: Unsent[] }>): Promise<string> {
  while (got.text === "") await new Promise<void>((wake) => (got.wake = wake));
  [got.last, got.text] = [got.text, ""];
  s.resume();
  return got.last;
}
/** Waits for the server, --timeout seconds at most; then one line, exit 1. */
async function within<T>(what: string, promise: Promise<T>): Promise<T> {
  const timer = setTimeout(() => giveUp({ code: "ETIMEDOUT", what }), timeout * 1000);
  return promise.finally(() => clearTimeout(timer));
}
/** Turns an error into one line that says what happened and what to do; exit 1. */
function giveUp(error: unknown): never {
  const { code = "", message = "", said, what = "answer" } = error as Record<string, string>;
  const where = hostAndPort(host, port);
  const words = said ? `; its last words: ${visible(said)}` : ".";
  const far = /^(127\.|::1$|localhost$)/.test(host) ? "" : "; on macOS, allow Local Network";
  const lines: Record<string, string> = {
    ECONNREFUSED: `Connection refused by ${where}: start the server first (bun server.ts)${far}.`,
    ENETUNREACH: `No way to reach ${where}: check the address, and that you share a network.`,
    ENOTFOUND: `No computer named "${host}": check the name, or use the address the server prints.`,
    ETIMEDOUT: `No ${what} from ${where} in ${timeout} s: check the address, firewall and server.`,
    ECONNRESET: `The server reset the connection (it stopped abruptly)${words}`,
    EOF: `The server closed the connection${words}`,
    EFBIG: "A line of input is longer than 64 MiB: send it in shorter lines.",
  };
  quit(1, lines[code.replace("EHOST", "ENET")] ?? `Stopped (${where}): ${message || error}`);
}
/** Ctrl-C, SIGTERM, a closed terminal: close the connection in order (an end, not a reset). */
function stop(signal: "SIGINT" | "SIGTERM" | "SIGHUP"): void {
  console.error(`\nStopped by ${signal === "SIGINT" ? "Ctrl-C" : signal}.`);
  process.exitCode = 128 + constants.signals[signal];
  s.end();
  process.exit();
}
/** The command line: --help prints the help (exit 0), a mistake the usage (exit 2). */
function readOptions() {
  const usage = "usage: bun client.ts [HOST] [--port PORT] [--timeout SECONDS]";
  const help = `${usage}
  HOST       the server's name or address (default 127.0.0.1: this computer)
  --port     the server's port (default 1337)
  --timeout  how long to wait for the server each time, in seconds (default 10)`;
  try {
    const [text, flag] = [{ type: "string" }, { type: "boolean" }] as const;
    const options = { port: text, timeout: text, help: { ...flag, short: "h" } } as const;
    const { values: v, positionals } = parseArgs({ options, allowPositionals: true });
    if (v.help) quit(0, help);
    if (positionals.length > 1) throw Error("one server address, please");
    const port = whole(v.port ?? "1337", 1, 65535, "--port");
    const timeout = whole(v.timeout ?? "10", 1, 2e6, "--timeout"); // seconds; a timer's limit
    return { host: checkHost(positionals[0] ?? "127.0.0.1"), port, timeout };
  } catch (error) {
    quit(2, `${String((error as Error).message).split("\n")[0]}\n${usage}`);
  }
}

// The helpers below are the same in server.ts and client.ts (a test checks).
/** A host and port as people type them: 10.0.0.5:1337, or [::1]:1337 for IPv6. */
function hostAndPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
/** A host alone, as the tutorial writes one: a name or an address; no brackets, no port. */
function checkHost(host: string): string {
  if (/^[\w.%-]+$|^[\w.%-]*:[\w.%-]*:[\w.:%-]*$/.test(host)) return host;
  throw Error(`"${host}" is not a name or address alone, such as ::1: give the port with --port`);
}
/** A whole number from min to max, written in digits: not "1e3", "0x10" or " 5". */
function whole(text: string, min: number, max: number, option: string): number {
  if (/^\d+$/.test(text) && Number(text) >= min && Number(text) <= max) return Number(text);
  throw Error(`${option} takes a whole number from ${min} to ${max}, not "${text}"`);
}
/** Prints one line (the help: on standard output; a problem: on standard error), and exits. */
function quit(code: number, line: string): never {
  (code === 0 ? console.log : console.error)(line);
  process.exit(code);
}
/** Text from the other side, safe to print: control codes and hidden marks become \x1b, \u202e. */
function visible(text: string): string {
  const hidden = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
  if (!hidden.test(text)) return text; // as most text is
  const escaped = (c: string, code = c.charCodeAt(0)) =>
    hidden.test(c) ? `\\${code > 0xff ? "u" : "x"}${code.toString(16).padStart(2, "0")}` : c;
  const [shown, out] = [[] as string[], new Uint16Array(text.length * 6)]; // 6 for \u202e
  let length = 0; // of out: the text in UTF-16, each code unit as itself or as its escape
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    shown[code] ??= escaped(text.charAt(i)); // worked out once for each code unit met
    for (const unit of shown[code] ?? "") out[length++] = unit.charCodeAt(0);
  }
  return Buffer.from(out.buffer, 0, length * 2).toString("utf16le"); // little-endian, as stored
}
type Unsent = { bytes: Uint8Array; sent: () => void }; // what write() left, and who waits for it
/** Python's sendall(): every byte, in order (now, if first in line); settles once out or gone. */
function sendAll(socket: Socket<{ unsent: Unsent[] }>, bytes: Uint8Array): Promise<void> {
  return new Promise((sent) => socket.data.unsent.push({ bytes, sent }) === 1 && flush(socket));
}
/** Writes queued bytes until the socket is full (drain calls this again) or the queue empty. */
function flush(socket: Socket<{ unsent: Unsent[] }>): void {
  for (let head = socket.data.unsent[0]; head; head = socket.data.unsent[0]) {
    const written = socket.write(head.bytes); // -1: closing, so nothing more will go out
    head.bytes = head.bytes.subarray(written < 0 ? Number.POSITIVE_INFINITY : written);
    if (head.bytes.length > 0) return; // full for now: drain calls flush again
    socket.data.unsent.shift()?.sent();
  }
}
