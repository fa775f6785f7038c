#!/usr/bin/env bun
// client.ts: the client of the classic sockets tutorial, on Bun.
//   bun client.ts               talks to the server on this computer
//   bun client.ts 192.168.1.20  talks to the server on another computer
// Type a message and press Enter; Ctrl-D ends (Windows: Ctrl-Z, then Enter).
// Each "Step N" below quotes the tutorial's Python; WALKTHROUGH.md explains it.
// Bun's TCP sockets: https://bun.sh/docs/api/tcp

// Step 1: import the socket module
// import socket
// Bun.connect is built into Bun: nothing to import but its types.
import type { Socket } from "bun";

const options = await readOptions(); // the command line
const { host, port, timeout } = options;
const decoder = new TextDecoder(); // keeps half a character until the rest
let unread = ""; // what the server sent that recv() has not taken yet
let wake = () => {}; // lets a recv() that waits look again
let closed: (() => void) | undefined; // ends the wait for the goodbye
let lastReply = ""; // a notice, if a hang-up comes right behind it
let firstReply = true; // no reply yet, or the first came 20 ms ago at most
const MAX_LINE = 2 ** 26; // 64 MiB: the longest line of input kept in memory
const TOO_LONG = "A line of input is over 64 MiB: send shorter lines.";
// The unforeseen is one line, not a stack trace; output closed early is fine.
process.on("uncaughtException", (problem) => quit(1, `Stopped: ${problem}`));
process.stdout.on("error", () => {});

// Step 2: create a TCP socket
// s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
// Step 3: connect to the server
// s.connect(('127.0.0.1', 1337))
// Bun does both in one call; we wait --timeout seconds at most.
// The functions in `events` are the ones Bun calls when something happens.
const events = { data: onData, drain: flush, close: onClose };
// depth/connect.ts, if here, connects: it tells failures truly, and --trace.
const depthConnect = await depth("connect");
const connect = depthConnect?.connect ?? Bun.connect;
const connecting = connect({ hostname: host, port, socket: events }, options);
const s: Socket<Sending> = await within("answer", connecting.catch(failed));

// Step 4: read a message
// while True:
//     msg = input('Type your msg here: ')
for await (const msg of input("Type your msg here: ")) {
  // Step 5: send it
  //     s.sendall(msg.encode())
  // msg is bytes already (UTF-8): what a socket sends.
  await within("answer", sendAll(s, msg));
  // Step 6: receive the reply
  //     data = s.recv(1024) # Blocks!
  const data = await within("reply", recv(s));
  // Step 7: print the reply
  //     print(data.decode())
  console.log(visible(data));
}

// Python's program ends here. We say we are done (a half-close), wait for
// the server to close in turn, and print what it said since the last reply.
if (process.stdin.isTTY) console.error(); // after Ctrl-D, end the line
await Bun.sleep(20); // a hang-up right behind the last reply is heard as one
s.shutdown();
await within("goodbye", new Promise<void>((resolve) => (closed = resolve)));
if (unread !== "") console.log(visible(unread));
process.exit(0);

/** The connection is gone: the goodbye at the end, a hang-up before it. */
function onClose(_socket: Socket<Sending>, problem?: Error) {
  unread += decoder.decode();
  if (closed && !problem) return closed(); // the goodbye, in order
  const words = unread || (firstReply ? lastReply : ""); // since the last
  const last = words ? `; its last words: ${visible(words)}` : ".";
  if (process.stdout.isTTY) console.error(); // off the prompt's line
  quit(1, `The server ${problem ? "reset" : "closed"} the connection${last}`);
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
    socket.data = { ...socket.data, unsent: bytes, sent };
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
  while (unread === "") await new Promise<void>((resolve) => (wake = resolve));
  lastReply = unread;
  unread = "";
  socket.resume(); // onData() may have paused it
  // A first reply with a hang-up right behind it is a notice: see onClose().
  if (firstReply) await Bun.sleep(20);
  firstReply = false;
  return lastReply;
}
/** Python's input(), line by line, as bytes; Ctrl-D (Windows: Ctrl-Z) ends. */
async function* input(prompt: string): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = []; // the line so far: a 50 MB line stays bytes
  let length = 0; // of the line so far: 64 MiB at most
  process.stdout.write(prompt);
  for await (let chunk of Bun.stdin.stream()) {
    for (let end = chunk.indexOf(10); end >= 0; end = chunk.indexOf(10)) {
      if (length + end > MAX_LINE) quit(1, TOO_LONG);
      let line = Buffer.concat([...parts, chunk.subarray(0, end)]); // to "\n"
      if (line.at(-1) === 13) line = line.subarray(0, -1); // "\r\n": Windows
      if (line.length === 1 && line[0] === 26) return; // Ctrl-Z: Windows' end
      if (line.length > 0) yield line; // an empty line would get no reply
      process.stdout.write(prompt);
      parts = [];
      length = 0;
      chunk = chunk.subarray(end + 1);
    }
    parts.push(chunk);
    length += chunk.length;
    if (length > MAX_LINE) quit(1, TOO_LONG);
  }
  if (length > 0) yield Buffer.concat(parts); // a last line without "\n"
  if (length > 0) process.stdout.write(prompt);
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
  // What controls the terminal or hides text (not emoji, nor up to 4 accents).
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
/** A failed connect: alone, we know only Bun's words (see depth/connect.ts). */
function failed(problem: { code?: string }): never {
  quit(1, `No connection to ${host}:${port} (${problem.code}): is it there?`);
}
/** The command line: depth/options.ts knows every option; alone, these. */
async function readOptions() {
  const args = process.argv.slice(2);
  // Alone, [HOST] [--port N]. A bare number is no host: 1337 is 0.0.5.57.
  if (!/^[^-\d]|^(\d+\.){3}\d+$/.test(args[0] ?? "")) args.unshift("127.0.0.1");
  const [host = "", option = "--port", port = "1337", ...rest] = args;
  const alone = option === "--port" && /^\d{1,5}$/.test(port) && !rest.length;
  const options = await depth("options", !alone); // needed for more than that
  if (options) return options.clientOptions(process.argv.slice(2));
  return { host, port: Number(port), timeout: 10 };
}
/** A module of the folder depth/, if it is here (if `needed`, else exit). */
async function depth(name: string, needed = false) {
  const path = `${import.meta.dir}/depth/${name}.ts`;
  if (await Bun.file(path).exists()) return import(path);
  const alone = "Alone, client.ts takes [HOST] [--port N]: copy depth/ too.";
  if (needed) quit(2, alone);
}
