#!/usr/bin/env bun
// client.ts: the tutorial's client on Bun; WALKTHROUGH.md explains each Step.
//   bun client.ts [HOST] [--port N]   sends each line you type; Ctrl-D ends

// Step 1: import the socket module
// import socket
// Bun.connect is built in (bun.sh/docs/api/tcp); readline is input()'s heart.
import { existsSync, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Socket } from "bun";

// Step 2: create a TCP socket
// s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
// Step 3: connect to the server
// s.connect(('127.0.0.1', 1337))
// Bun does both in one call: Bun.connect(), in connect() below.
const options = await readOptions(); // the server's address and port
const events = { data: onData, drain: flush, close: onClose }; // Bun calls them
const s = await withTimeout("answer", connect(events));
// Step 4: read a message
// while True:
//     msg = input('Type your msg here: ')
for await (const msg of input("Type your msg here: ")) {
  // Step 5: send it
  //     s.sendall(msg.encode())
  await withTimeout("answer", sendAll(s, Buffer.from(msg))); // UTF-8 bytes
  // Step 6: receive the reply
  //     data = s.recv(1024) # Blocks!
  const data = await withTimeout("reply", recv(s));
  // Step 7: print the reply
  //     print(data.decode())
  print(visible(data));
}
// Python's program ends here. Ours says goodbye, and prints the server's.
if (process.stdin.isTTY) console.error(); // after Ctrl-D: end the prompt's line
await withTimeout("goodbye", sayGoodbye(s));

/** Bytes from the server, kept for recv(); past 64 KiB, left to the system. */
function onData(socket: Socket<Talk>, bytes: Uint8Array): void {
  socket.data.unread += socket.data.decoder.decode(bytes, { stream: true });
  socket.data.wake();
  if (socket.data.unread.length > 65536) socket.pause(); // recv() resumes
}
/** The close: the end after our goodbye, or a hang-up (a notice: "busy"). */
function onClose(socket: Socket<Talk>, problem?: Error): void {
  const { unread, replied, ending } = socket.data;
  const notice = !replied && unread !== ""; // words before any reply
  socket.data.closed = true;
  socket.data.wake(); // a recv() that waits takes what is left
  if (ending && !problem && !notice) return; // the close we waited for
  const how = `The server ${problem ? "reset" : "closed"} the connection`;
  if (process.stdout.isTTY) console.error(); // off the prompt's line
  quit(1, unread ? `${how}; its last words:\n${visible(unread)}` : `${how}.`);
}
/** What the client keeps for its connection, beside what sendAll() keeps. */
type Talk = Sending & {
  decoder: TextDecoder; // bytes to text; keeps half a character until the rest
  unread: string; // what the server sent that recv() has not taken yet
  wake: () => void; // lets a recv() that waits look again
  replied: boolean; // whether recv() has taken a reply yet
  ending?: boolean; // whether we have said goodbye: the close is expected
  closed?: boolean; // whether the server has closed the connection
};
type Sending = { unsent?: Uint8Array; sent?: () => void }; // for sendAll()
/** Python's sendall(): sends every byte; settles once all are out. */
function sendAll(socket: Socket<Sending>, bytes: Uint8Array): Promise<void> {
  return new Promise((sent) => {
    socket.data = { ...socket.data, unsent: bytes, sent };
    flush(socket);
  });
}
/** Sends what fits; Bun calls it again (drain) when there is room. */
function flush(socket: Socket<Sending>): void {
  const unsent = socket.data?.unsent;
  if (unsent === undefined) return; // nothing was ever sent
  const written = socket.write(unsent); // -1: it is closing
  socket.data.unsent = unsent.subarray(written < 0 ? unsent.length : written);
  if (socket.data.unsent.length === 0) socket.data.sent?.();
}
/** Python's recv(): waits until the server has sent something; takes it. */
async function recv(socket: Socket<Talk>): Promise<string> {
  while (socket.data.unread === "" && !socket.data.closed) {
    await new Promise<void>((resolve) => (socket.data.wake = resolve));
  }
  const data = socket.data.unread;
  // A busy server's notice comes with its close: wait a moment for that, once.
  if (!socket.data.replied) await Bun.sleep(20);
  const rest = socket.data.unread.slice(data.length); // came while it waited
  socket.data = { ...socket.data, unread: rest, replied: true };
  socket.resume(); // onData() may have paused it
  return data;
}
/** Python's input(), line by line; Ctrl-D (Windows: Ctrl-Z) ends. */
async function* input(prompt: string): AsyncGenerator<string> {
  // terminal: false: Ctrl-C stays Ctrl-C; crlfDelay: "\r\n" ends one line.
  const how = { input: process.stdin, crlfDelay: Infinity, terminal: false };
  const MAX = 2 ** 26; // 64 MiB: the longest line kept in memory
  const tooLong = "A line of input is over 64 MiB: send shorter lines.";
  let kept = 0; // bytes since the last "\n": /dev/zero is one endless line
  process.stdin.on("data", (chunk: Buffer) => {
    const end = chunk.lastIndexOf("\n");
    kept = end < 0 ? kept + chunk.length : chunk.length - end - 1;
    if (kept > MAX) quit(1, tooLong);
  });
  process.on("SIGCONT", () => print(prompt, "")); // after fg
  print(prompt, "");
  for await (const line of createInterface(how)) {
    if (Buffer.byteLength(line) > MAX) quit(1, tooLong);
    if (line === "\x1a" && process.platform === "win32") return; // Ctrl-Z
    if (line !== "") yield line; // an empty line would get no reply
    print(prompt, "");
  }
}
/** "I will send nothing more"; then what the server says, until it closes. */
async function sayGoodbye(socket: Socket<Talk>): Promise<void> {
  socket.shutdown();
  socket.data.ending = true; // the close that comes now is expected
  while (!socket.data.closed || socket.data.unread !== "") {
    const words = await recv(socket);
    if (words !== "") print(visible(words));
  }
}
/** A wait on the server: --timeout seconds at most; a failure is one line. */
async function withTimeout<T>(what: string, waiting: Promise<T>): Promise<T> {
  const { host, port, timeout } = options;
  const check = "Check the address, --port, the firewall, the server.";
  const late = `No ${what} from ${host}:${port} in ${timeout} s.\n${check}`;
  const failed = ({ code }: { code?: string }) => {
    const refused = "Refused, or unreachable"; // what ECONNREFUSED tells
    const why = code === "ECONNREFUSED" ? refused : `No connection (${code})`;
    quit(1, `${why}: ${host}:${port}.\n${check}`); // within 80 columns
  };
  const timer = setTimeout(() => quit(1, late), timeout * 1000);
  return waiting.catch(failed).finally(() => clearTimeout(timer));
}
/** Bun.connect(), or depth/'s connect, which names each failure truly. */
function connect(socket: typeof events) {
  const { host: hostname, port, depth } = options;
  const data = { decoder: new TextDecoder(), unread: "", replied: false };
  const how = { hostname, port, socket, data: { ...data, wake() {} } };
  return depth ? depth.connect<Talk>(how, options) : Bun.connect<Talk>(how);
}
/** Python's print(): a line on standard output, written before going on. */
function print(text: string, end = "\n"): void {
  try {
    writeSync(1, text + end); // waits for the terminal, as Python does
  } catch (problem) {
    const { code } = problem as { code?: string }; // EPIPE: | head has ended
    if (code !== "EPIPE") quit(1, `Output failed (${code}).`);
  }
}
/** Hidden characters (not emoji, nor up to 4 accents) show as codes: \u{1b}. */
function visible(text: string): string {
  const hidden =
    /(\p{RGI_Emoji})|(?<=\p{M}{4})\p{M}|[[\p{C}\p{Zl}\p{Zp}\p{DI}]--[\t\n]]/gv;
  const code = (char: string) => char.codePointAt(0)!.toString(16);
  return text.replace(hidden, (found, emoji) => emoji ?? `\\u{${code(found)}}`);
}
/** The command line: depth/ reads every option; alone, [HOST] [--port N]. */
async function readOptions() {
  const args = process.argv.slice(2);
  // depth/ may be missing, broken (its import throws) or empty: then alone.
  const depth = await import("./depth/client-extras.ts").catch(() => null);
  if (depth?.clientOptions) return { ...depth.clientOptions(args), depth };
  // Alone: a name or an address first, not a bare number (1337 is 0.0.5.57).
  const looksLikeHost = /^[^-\d]|^(\d+\.){3}\d+$/.test(args[0] ?? "");
  const host = looksLikeHost ? args.shift()! : "127.0.0.1";
  if (args.length === 0) args.push("--port", "1337"); // the tutorial's port
  const [option, port = "", ...more] = args;
  const valid = /^\d{1,5}$/.test(port) && +port > 0 && +port <= 65535;
  if (option !== "--port" || !valid || more.length > 0)
    quit(2, "Alone, client.ts takes [HOST] [--port N]: copy depth/.");
  const broken = "depth/ is here, but incomplete or broken: copy it again.";
  if (existsSync(`${import.meta.dir}/depth`)) console.error(broken);
  const plain = { timeout: 10, trace: false, depth: undefined }; // 10 s waits
  return { host, port: Number(port), ...plain };
}
/** One line on standard error, and the end: 1 for the network, 2 usage. */
function quit(code: number, line: string): never {
  console.error(line);
  process.exit(code);
}
