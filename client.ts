#!/usr/bin/env bun
// client.ts: the client of the classic sockets tutorial, on Bun.
//   bun client.ts               talks to the server on this computer
//   bun client.ts 192.168.1.20  talks to the server on another computer
// Type a message and press Enter; Ctrl-D ends (Windows: Ctrl-Z, then Enter).
// Each "Step N" below quotes the tutorial's Python; WALKTHROUGH.md explains it.
// Bun's TCP sockets: https://bun.sh/docs/api/tcp

// Step 1: import the socket module
// import socket
// Bun.connect is built into Bun; parseArgs() reads the command line.
import { parseArgs } from "node:util";
import type { Socket } from "bun";

const { host, port, timeout, ...more } = await readOptions();
const decoder = new TextDecoder(); // keeps half a character until the rest
let unread = ""; // what the server sent that recv() has not taken yet
let wake = () => {}; // lets a recv() that waits look again
let lastReply = ""; // what recv() took last: a notice, if a hang-up follows
let firstReply = true; // no reply yet, or the first came 20 ms ago at most
let closed: (() => void) | undefined; // ends the wait for a goodbye
// The unforeseen is one line, not a stack trace; output closed early is fine.
process.on("uncaughtException", (problem) => quit(1, `Stopped: ${problem}`));
process.on("unhandledRejection", (problem) => quit(1, `Stopped: ${problem}`));
process.stdout.on("error", () => {});

// Step 2: create a TCP socket
// s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
// Step 3: connect to the server
// s.connect(('127.0.0.1', 1337))
// Bun does both in one call; we wait --timeout seconds at most.
// The functions in `events` are the ones Bun calls when something happens.
let events = { data: onData, drain: flush, close: onClose };
// With --trace, depth/trace.ts wraps each function, to say when Bun calls it.
if (more.trace) events = (await depth("trace", true)).traced(events);
// depth/diagnoses.ts, if it is here, checks the way there first, to tell
// truly why a connect fails; alone, Bun's own words are all we know.
const diagnoses = await depth("diagnoses");
const connect = diagnoses?.connect ?? Bun.connect;
const connecting = connect({ hostname: host, port, socket: events }, timeout);
const s: Socket<Sending> = await within("answer", connecting.catch(failed));

// Step 4: read a message
// while True:
//     msg = input('Type your msg here: ')
// The loop ends with the input: Ctrl-D (Windows: Ctrl-Z), or a file's end.
for await (const msg of input("Type your msg here: ")) {
  if (msg.length === 0) continue; // nothing to send, and so no reply
  // Step 5: send it
  //     s.sendall(msg.encode())
  // msg is bytes already (UTF-8): what a socket sends.
  await within("answer", sendAll(s, msg));
  // Step 6: receive the reply
  //     data = s.recv(1024) # Blocks!
  const data = await within("reply", recv(s));
  // A 1st reply with a hang-up right behind it is a notice ("busy").
  if (firstReply) await Bun.sleep(20); // then onClose() quits, with it
  firstReply = false; // a hang-up from now on is told as such
  // Step 7: print the reply
  //     print(data.decode())
  console.log(visible(data));
}

// Python's program ends here; we say we are done (a half-close), and wait
// for the server to close in turn, and print what it said since.
s.shutdown();
await within("goodbye", new Promise<void>((resolve) => (closed = resolve)));
if (unread !== "") console.log(visible(unread));
process.exit(0);

/** The connection is gone: a goodbye at the end, a hang-up before it. */
function onClose(_socket: Socket<Sending>, problem?: Error) {
  unread += decoder.decode();
  if (closed && !problem) return closed(); // the goodbye, in order
  const notice = firstReply ? lastReply : ""; // a hang-up right behind it
  const words = unread || notice; // what it said since the last reply
  const last = words ? `; its last words: ${visible(words)}` : ".";
  const how = problem ? "reset" : "closed";
  if (process.stdout.isTTY) console.error(); // off the prompt's line
  quit(1, `The server ${how} the connection${last}`);
}
/** Bytes from the server: kept for recv(), as the system keeps them. */
function onData(socket: Socket<Sending>, bytes: Uint8Array): void {
  unread += decoder.decode(bytes, { stream: true });
  if (unread.length > 65536) socket.pause(); // the system keeps the rest
  wake();
}

// What Python gives for free, and Bun leaves to us.
type Sending = { unsent: Uint8Array; sent: () => void }; // for sendAll()
/** Python's sendall(): sends every byte; settles once all are out. */
function sendAll(socket: Socket<Sending>, bytes: Uint8Array): Promise<void> {
  return new Promise((sent) => {
    socket.data = { unsent: bytes, sent };
    flush(socket);
  });
}
/** Sends what fits; Bun calls it again (drain) when there is room. */
function flush(socket: Socket<Sending>): void {
  if (socket.data === undefined) return; // nothing was ever sent
  const written = socket.write(socket.data.unsent); // -1: it is closing
  const gone = written < 0 ? socket.data.unsent.length : written;
  socket.data.unsent = socket.data.unsent.subarray(gone);
  if (socket.data.unsent.length === 0) socket.data.sent();
}
/** Python's recv(): waits until the server has sent something; takes it. */
async function recv(socket: Socket<Sending>): Promise<string> {
  // Sleep until onData() calls wake().
  while (unread === "") await new Promise<void>((resolve) => (wake = resolve));
  lastReply = unread;
  unread = "";
  socket.resume();
  return lastReply;
}
/** Python's input(), line after line: each prompt, then the line as bytes. */
async function* input(prompt: string): AsyncGenerator<Uint8Array> {
  process.stdout.write(prompt);
  let parts: Uint8Array[] = []; // the line so far: a 50 MB line stays bytes
  let length = 0; // of the line so far, at most 64 MiB
  for await (let chunk of Bun.stdin.stream()) {
    for (let end = chunk.indexOf(10); end >= 0; end = chunk.indexOf(10)) {
      let msg = Buffer.concat([...parts, chunk.subarray(0, end)]); // 10: \n
      parts = [];
      length = 0;
      chunk = chunk.subarray(end + 1);
      if (msg.at(-1) === 13) msg = msg.subarray(0, -1); // \r\n: Windows
      if (msg.length === 1 && msg[0] === 26) return; // Ctrl-Z: Windows' end
      yield tooLong(msg);
      process.stdout.write(prompt);
    }
    parts.push(chunk);
    length += chunk.length;
    tooLong(chunk, length);
  }
  if (length > 0) yield Buffer.concat(parts); // a last line without "\n"
  if (length > 0) process.stdout.write(prompt); // and the prompt after it
}
/** A line of input (so far), unless it is over 64 MiB: that ends the client. */
function tooLong(line: Uint8Array, length = line.length): Uint8Array {
  const most = "64 MiB: send shorter lines";
  if (length > 2 ** 26) quit(1, `A line of input is over ${most}.`);
  return line;
}
/** A socket timeout: waits --timeout seconds at most, then says so. */
async function within<T>(what: string, promise: Promise<T>): Promise<T> {
  const check = "check the address, firewall and server";
  const late = `No ${what} from ${host}:${port} in ${timeout} s: ${check}.`;
  const timer = setTimeout(() => quit(1, late), timeout * 1000);
  return promise.finally(() => clearTimeout(timer));
}

/** Text from the other side, safe to print: hidden characters as escapes. */
function visible(text: string): string {
  // Characters that control the terminal, or hide or reorder text: all but
  // tab and newline. An emoji is kept whole; a 5th accent on a letter is not.
  const hidden =
    /(\p{RGI_Emoji})|(?<=\p{M}{4})\p{M}|[[\p{C}\p{Zl}\p{Zp}\p{DI}]--[\t\n]]/gv;
  return text.replace(hidden, (found, emoji) => emoji ?? escaped(found));
}
/** A character as an escape code: \x1b, \u202e or \u{e0041}. */
function escaped(char: string): string {
  const hex = char.codePointAt(0)!.toString(16); // "!": one character
  if (hex.length <= 2) return "\\x" + hex.padStart(2, "0");
  if (hex.length <= 4) return "\\u" + hex.padStart(4, "0");
  return `\\u{${hex}}`;
}
/** One line on standard error, and the end: 1 for the network, 2 usage. */
function quit(code: number, line: string): never {
  console.error(line);
  process.exit(code);
}
/** A failed connect: alone, we know only what Bun says (see diagnoses). */
function failed(problem: { code?: string }): never {
  const code = problem.code ?? problem;
  quit(1, `No connection to ${host}:${port} (${code}): is the server there?`);
}
/** The command line: depth/options.ts knows every option; alone, these. */
async function readOptions() {
  const options = await depth("options");
  if (options) return options.clientOptions(process.argv.slice(2));
  const port = { type: "string", default: "1337" } as const;
  const { values, positionals } = parseArgs({
    options: { port },
    allowPositionals: true,
    strict: false, // a mistake gets our line, below
  });
  const [host = "127.0.0.1", ...rest] = positionals;
  // A host is not a bare number: 1337 would be the address 0.0.5.57.
  const aHost = !/^[\d.]+$/.test(host) || /^(\d+\.){3}\d+$/.test(host);
  const aPort = /^\d{1,5}$/.test(`${values.port}`);
  if (aHost && aPort && rest.length === 0 && Object.keys(values).length === 1)
    return { host, port: Number(values.port), timeout: 10 };
  quit(2, "Alone, client.ts takes [HOST] [--port N]: copy depth/ for more.");
}
/** A module of the folder depth/, if it is here (if `needed`, else exit). */
async function depth(name: string, needed = false) {
  const path = `${import.meta.dir}/depth/${name}.ts`;
  if (await Bun.file(path).exists()) return import(path);
  if (needed) quit(2, "That option needs the folder depth/: copy it too.");
}
