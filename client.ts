#!/usr/bin/env bun
// client.ts: the tutorial's client on Bun (WALKTHROUGH.md); Ctrl-D ends.

// Step 1: import the socket module
// import socket
// Bun.connect is built in (https://bun.sh/docs/api/tcp): we import its types.
import type { Socket } from "bun";

const { host, port, timeout, trace } = await readOptions(); // the command line
const decoder = new TextDecoder(); // keeps half a character until the rest
let unread = ""; // what the server sent that recv() has not taken yet
let wake = () => {}; // lets a recv() that waits look again
let goodbye: (() => void) | undefined; // ends the wait for the goodbye
let firstReply = true; // no reply taken yet
const MAX_LINE = 2 ** 26; // 64 MiB: the longest line of input kept in memory
const TOO_LONG = "A line of input is over 64 MiB: send shorter lines.";
process.on("uncaughtException", (problem) => quit(1, `Stopped: ${problem}`));
process.stdout.on("error", () => {}); // output closed early is fine

// Step 2: create a TCP socket
// s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
// Step 3: connect to the server
// s.connect(('127.0.0.1', 1337))
// Bun does both in one call (depth/connect.ts, if here: failures told truly).
const events = { data: onData, drain: flush, close: onClose }; // called later
const { connect }: typeof Bun = (await depth("connect", trace)) ?? Bun;
const connecting = connect({ hostname: host, port, socket: events });
const s = await within("answer", connecting);
// Step 4: read a message
// while True:
//     msg = input('Type your msg here: ')
for await (const msg of input("Type your msg here: ")) {
  // Step 5: send it
  //     s.sendall(msg.encode())
  await within("answer", sendAll(s, msg)); // msg is bytes (UTF-8) already
  // Step 6: receive the reply
  //     data = s.recv(1024) # Blocks!
  const data = await within("reply", recv(s));
  // Step 7: print the reply
  //     print(data.decode())
  console.log(visible(data));
}
// Python's program ends here. Now we say goodbye and print the server's.
if (process.stdin.isTTY) console.error(); // after Ctrl-D, end the line
s.shutdown();
s.resume(); // onData() may have paused; now it prints what passes 64 KiB
await within("goodbye", new Promise<void>((resolve) => (goodbye = resolve)));
if (unread !== "") console.log(visible(unread));
/** The close: a goodbye after ours, a hang-up, or a notice before a reply. */
function onClose(_socket: Socket<Sending>, problem?: Error) {
  if (goodbye && !problem && !(firstReply && unread)) return goodbye();
  const last = unread ? `; its last words: ${visible(unread)}` : ".";
  if (process.stdout.isTTY) console.error(); // off the prompt's line
  quit(1, `The server ${problem ? "reset" : "closed"} the connection${last}`);
}
/** Bytes from the server: kept for recv(); past 64 KiB, by the system. */
function onData(socket: Socket<Sending>, bytes: Uint8Array) {
  unread += decoder.decode(bytes, { stream: true });
  wake();
  if (unread.length <= 65536) return;
  if (!goodbye) return socket.pause(); // until recv() takes what we have
  console.log(visible(unread)); // after our goodbye: printed as it comes
  unread = "";
}
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
  const data = unread;
  if (firstReply) await Bun.sleep(20); // a hang-up now: a notice (onClose)
  firstReply = false;
  unread = unread.slice(data.length);
  socket.resume(); // onData() may have paused it
  return data;
}
/** Python's input(), line by line, as bytes; Ctrl-D (Windows: Ctrl-Z) ends. */
async function* input(prompt: string): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = []; // the line so far: a 50 MB line stays bytes
  process.on("SIGCONT", () => process.stdout.write(prompt)); // after fg
  process.stdout.write(prompt);
  for await (let chunk of Bun.stdin.stream()) {
    for (let end = chunk.indexOf(10); end >= 0; end = chunk.indexOf(10)) {
      let line = Buffer.concat([...parts, chunk.subarray(0, end)]); // to "\n"
      if (line.length > MAX_LINE) quit(1, TOO_LONG);
      if (line.at(-1) === 13) line = line.subarray(0, -1); // "\r\n": Windows
      if (`${line}` === "\x1a" && process.platform === "win32") return;
      if (line.length > 0) yield line; // an empty line would get no reply
      process.stdout.write(prompt);
      parts = [];
      chunk = chunk.subarray(end + 1);
    }
    if (chunk.length > 0) parts.push(chunk);
    if (parts.reduce((n, p) => n + p.length, 0) > MAX_LINE) quit(1, TOO_LONG);
  }
  if (parts.length > 0) yield Buffer.concat(parts); // a last line without "\n"
  if (parts.length > 0) process.stdout.write(prompt);
}
/** A socket wait: --timeout seconds at most; a failure is one line. */
async function within<T>(what: string, promise: Promise<T>): Promise<T> {
  const check = "check address, firewall, server";
  const late = `No ${what} from ${host}:${port} in ${timeout} s: ${check}.`;
  const timer = setTimeout(() => quit(1, late), timeout * 1000);
  const failed = ({ code }: { code?: string }) =>
    quit(1, `No connection to ${host}:${port} (${code}): ${check}.`);
  return promise.catch(failed).finally(() => clearTimeout(timer));
}
/** Hidden characters (not emoji, nor up to 4 accents) show as codes: \u{1b}. */
function visible(text: string): string {
  const hidden =
    /(\p{RGI_Emoji})|(?<=\p{M}{4})\p{M}|[[\p{C}\p{Zl}\p{Zp}\p{DI}]--[\t\n]]/gv;
  const code = (char: string) => char.codePointAt(0)!.toString(16);
  return text.replace(hidden, (found, emoji) => emoji ?? `\\u{${code(found)}}`);
}
/** One line on standard error, and the end: 1 for the network, 2 usage. */
function quit(code: number, line: string): never {
  console.error(line);
  process.exit(code);
}
/** The command line, read by depth/options.ts; alone, [HOST] [--port N]. */
async function readOptions() {
  const args = process.argv.slice(2);
  // A bare number is no host: 1337 would be 0.0.5.57.
  if (!/^[^-\d]|^(\d+\.){3}\d+$/.test(args[0] ?? "")) args.unshift("127.0.0.1");
  const [host, option = "--port", port = args[1] ? "" : "1337", ...rest] = args;
  const inRange = /^\d{1,5}$/.test(port) && +port > 0 && +port < 65536;
  const alone = option === "--port" && inRange && !rest.length;
  const options = await depth("options", !alone); // needed for more than that
  if (options) return options.clientOptions(process.argv.slice(2));
  return { host, port: Number(port), timeout: 10, trace: false };
}
async function depth(name: string, needed: boolean) {
  const path = `${import.meta.dir}/depth/${name}.ts`;
  if (await Bun.file(path).exists()) return import(path);
  if (needed) quit(2, "Alone, client.ts takes [HOST] [--port N]: copy depth/.");
}
