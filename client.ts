#!/usr/bin/env bun
// client.ts: the client of the classic sockets tutorial, on Bun.
//   bun client.ts               talks to the server on this computer (127.0.0.1:1337)
//   bun client.ts 192.168.1.20  talks to the server on another computer
//   bun client.ts --help        all the options
// Type a message and press Enter; Ctrl-D ends (on Windows: Ctrl-Z, then Enter).
// Each "Step N" below quotes the tutorial's Python; WALKTHROUGH.md explains them.
// Bun's TCP sockets: https://bun.sh/docs/api/tcp

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { constants } from "node:os";
import { domainToASCII } from "node:url";
import { parseArgs } from "node:util";
import type { Socket } from "bun";

/** What the client keeps about its connection to the server. */
type Server = {
  unsent: Unsent[]; // messages that write() could not send yet, oldest first
  unread: string; // what the server has sent that recv() has not taken yet
  lastReply: string; // what recv() took last: a notice, if a hang-up came right behind
  decoder: TextDecoder; // turns the server's bytes into text, joining split characters
  wake: () => void; // lets a waiting recv() look again: text has arrived
  closed: (rest: string) => void; // ends the wait for the goodbye, with its words
  inputEnded: boolean; // we have told the server we are done: its close is the goodbye
};

const LF = 10; // the byte of "\n", which ends a line
const CR = 13; // the byte of "\r", which comes before "\n" at the end of a Windows line
const CTRL_Z = 26; // Windows' end of input, when it is alone on a line
const MAX_LINE = 64 * 2 ** 20; // 64 MiB: the longest line of input kept in memory
const MAX_UNREAD = 64 * 2 ** 10; // 64 KiB: unread text at which we stop reading
// Characters that control the terminal, or hide or reorder text: all but tab and newline.
const HIDDEN =
  /[[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}]--[\t\n]]/v;
const EMOJI = /(\p{RGI_Emoji})/v; // a whole emoji: its joiners and tags are not hidden
const ALL_HIDDEN = new RegExp(HIDDEN, "gv"); // to replace every one
const PILED_UP = /(?<=\p{M}{4})\p{M}/gv; // a 5th mark on one character, and on: piled up
const escapes = new Map<string, string>(); // each hidden character met, with its escape
const ESCAPES_KEPT = 1000; // escapes kept at most: a few characters make most floods
const GRACE = 20; // ms to wait for a hang-up right behind a reply: the first, and the last
const SURE = 500; // ms: a refusal sooner than this came from the computer itself
const TRACES_PER_SECOND = 20; // --trace lines a second, at most: a flood stays a trace
const APART = "school or guest Wi-Fi may keep devices apart: try a phone's hotspot";

const { host, port, timeout, tracing } = readOptions();
const where = hostAndPort(host, port); // the server, as the lines below name it
const lines = readLines(); // standard input, a line at a time
let stopping = false; // true once Ctrl-C or a signal is closing the connection
let firstReply = true; // no reply has come yet, or the first came GRACE ago at most
let atPrompt = false; // the prompt waits on the terminal's line: a notice needs its own
let tracedNow = { second: 0, count: 0 }; // --trace lines this second
process.on("uncaughtException", giveUp); // the unforeseen: one line, not a stack trace
process.on("unhandledRejection", giveUp);
process.stdout.on("error", () => {}); // output closed early (| head): keep going quietly

// Step 1: import the socket module
// import socket
// Nothing to import: Bun.connect is built into Bun.

// Step 2: create a TCP socket
// s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
// Step 3: connect to the server
// s.connect(('127.0.0.1', 1337))
// Bun does both in one call; within() gives up after --timeout seconds (Python waits).
// Python looks the name up in connect(); we do it first, and check the route, so that
// a failure is named truly (Bun 1.4.5 says "refused" for "no way there": cannotConnect()).
const address = await lookUp(host, timeout); // an IPv4 address first, as Python's socket
await checkRoute(address); // no route from here: one line, and nothing is sent
const started = performance.now(); // when the connect starts: refusals are timed
const connecting = Bun.connect<Server>({
  hostname: address,
  port,
  data: {
    unsent: [],
    unread: "",
    lastReply: "",
    decoder: new TextDecoder(),
    wake: () => {}, // nobody waits yet
    closed: () => {}, // nobody waits yet
    inputEnded: false,
  },
  // What Bun calls when something happens to the connection: the functions below.
  socket: {
    data: onData, // bytes have arrived
    drain: onDrain, // there is room to send again: send what write() could not
    close: onClose, // the connection is gone
  },
});
const failed = (problem: unknown) => cannotConnect(problem, performance.now() - started);
const s = await within("answer", connecting.catch(failed));
traceEvent(`Bun.connect() resolves (${where})`, "s.connect() returns");
process.on("SIGINT", stop); // Ctrl-C
process.on("SIGTERM", stop); // kill, or the system shutting down
process.on("SIGHUP", stop); // the terminal window closed

// Step 4: read a message
// while True:
//     msg = input('Type your msg here: ')
while (true) {
  const msg = await input("Type your msg here: ");
  if (msg === undefined) break; // end of input: Ctrl-D (Windows: Ctrl-Z), a pipe's end
  if (msg.length === 0) continue; // nothing to send: an empty message would get no reply
  // Step 5: send it
  //     s.sendall(msg.encode())
  // (input() gives the line as UTF-8 bytes already: the form a socket sends.)
  await within("answer", sendAll(s, msg));
  // Step 6: receive the reply
  //     data = s.recv(1024) # Blocks!
  const data = await within("reply", recv(s));
  // A first "reply" with a hang-up right behind it is a notice (the server is full).
  if (firstReply) await Bun.sleep(GRACE); // then onClose() quits, with it as last words
  firstReply = false; // from now on a reply is only a reply, never last words
  // Step 7: print the reply
  //     print(data.decode())
  console.log(visible(data));
}

// End of input: tell the server we are done (a half-close), then wait for it to close.
if (process.stdin.isTTY) console.error(); // after Ctrl-D, end the prompt's line
await Bun.sleep(GRACE); // a hang-up right behind the last reply: heard as such
// Sleep until onClose() calls closed(), as recv() sleeps until onData() calls wake().
const goodbye = new Promise<string>((closed) => {
  s.data.closed = closed;
});
s.data.inputEnded = true;
s.shutdown();
const said = await within("goodbye", goodbye);
if (said !== "") console.log(visible(said));
process.exit(0);

/** The connection is gone: the server's goodbye at the end, a hang-up before it. */
function onClose(socket: Socket<Server>, problem?: Error): void {
  traceEvent(`Bun calls close(${problem?.message ?? ""})`, "the next s.recv(1024) returns b''");
  if (stopping) return; // stop() is closing it, with its own exit code
  const rest = socket.data.unread + socket.data.decoder.decode(); // not yet printed
  const notice = firstReply ? socket.data.lastReply : ""; // a hang-up right behind it
  const lastWords = rest || notice; // what it said since the last reply, or its notice
  if (problem || !socket.data.inputEnded) hungUp(problem, lastWords);
  socket.data.closed(rest);
}

// What Python gives for free, and Bun leaves to us.

/** Python's input(): prints the prompt, reads a line as bytes, without "\n" or "\r\n". */
async function input(prompt: string): Promise<Uint8Array | undefined> {
  process.stdout.write(prompt);
  atPrompt = process.stdout.isTTY === true; // on a terminal, what comes next joins it
  const next = await lines.next();
  atPrompt = false; // Enter ended the line
  if (next.done) return undefined; // end of input
  traceEvent("a line of input", "input() returns msg");
  let line = next.value;
  if (line.at(-1) === CR) line = line.subarray(0, -1);
  if (line.length === 1 && line[0] === CTRL_Z) return undefined; // Windows' end of input
  return line;
}
/** Standard input a line at a time, as bytes: a 50 MB line is never made a string. */
// A generator: each "yield" hands a line to input(), and waits there until it asks again.
async function* readLines(): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = []; // the line so far, from one chunk or more
  let length = 0; // of the line so far
  for await (const chunk of Bun.stdin.stream()) {
    let start = 0; // where the line in this chunk starts
    while (start <= chunk.length) {
      const end = chunk.indexOf(LF, start); // -1: the line goes on in the next chunk
      const piece = chunk.subarray(start, end < 0 ? chunk.length : end);
      parts.push(piece);
      length += piece.length;
      if (length > MAX_LINE) quit(1, "A line of input is over 64 MiB: send shorter lines.");
      if (end < 0) break;
      yield Buffer.concat(parts);
      parts = [];
      length = 0;
      start = end + 1;
    }
  }
  if (length > 0) yield Buffer.concat(parts); // a last line without "\n"
}
/** Bytes from the server: kept for recv(), as the system would keep them for Python. */
function onData(socket: Socket<Server>, bytes: Buffer): void {
  traceEvent(`Bun calls data(${bytes.length} bytes)`, "they wait for s.recv(1024)");
  socket.data.unread += socket.data.decoder.decode(bytes, { stream: true });
  if (socket.data.unread.length > MAX_UNREAD) socket.pause(); // the kernel holds the rest
  socket.data.wake();
}
/** Python's recv(): waits until the server has sent something, and takes all of it. */
async function recv(socket: Socket<Server>): Promise<string> {
  while (socket.data.unread === "") {
    // Sleep until onData() calls wake().
    await new Promise<void>((wake) => {
      socket.data.wake = wake;
    });
  }
  const data = socket.data.unread;
  socket.data.unread = "";
  socket.data.lastReply = data;
  traceEvent(`recv() takes ${data.length} characters`, "s.recv(1024) returns data");
  socket.resume();
  return data;
}
/** A socket timeout: waits --timeout seconds at most, then says so; exit 1. */
async function within<T>(what: string, promise: Promise<T>): Promise<T> {
  const timer = setTimeout(() => quit(1, noAnswer(what)), timeout * 1000);
  try {
    return await promise;
  } finally {
    clearTimeout(timer);
  }
}

type Unsent = { bytes: Uint8Array; sent: () => void }; // bytes to send, and who waits
/** Python's sendall(): sends every byte, in order, and settles when they are out. */
function sendAll(socket: Socket<{ unsent: Unsent[] }>, bytes: Uint8Array): Promise<void> {
  // The promise settles when flush() calls sent(): when the last of these bytes is out.
  return new Promise((sent) => {
    socket.data.unsent.push({ bytes, sent });
    const firstInLine = socket.data.unsent.length === 1;
    if (firstInLine) flush(socket); // otherwise a flush is already under way
  });
}
/** Writes the queue until it is empty, or the socket is full (Bun calls it at drain). */
function flush(socket: Socket<{ unsent: Unsent[] }>): void {
  while (socket.data.unsent.length > 0) {
    const head = socket.data.unsent[0]!; // the oldest; "!": the loop checks there is one
    const written = socket.write(head.bytes); // how many went out; -1: it is closing
    const gone = written < 0 ? head.bytes.length : written; // closing: drop the rest
    head.bytes = head.bytes.subarray(gone);
    if (head.bytes.length > 0) return; // the socket is full for now
    socket.data.unsent.shift();
    head.sent();
  }
}

// What a class needs, and the tutorial leaves out.

/** The socket has room again (drain): send what write() could not. */
function onDrain(socket: Socket<Server>): void {
  traceEvent("Bun calls drain()", "sendall() goes on sending");
  flush(socket);
}
/** --trace: a line on standard error when Bun calls us, 20 a second at most. */
function traceEvent(event: string, python: string): void {
  if (!tracing) return;
  const second = Math.floor(performance.now() / 1000);
  if (second !== tracedNow.second) tracedNow = { second, count: 0 };
  tracedNow.count++;
  const { count } = tracedNow;
  if (count <= TRACES_PER_SECOND) console.error(`(trace) ${event}: in Python, ${python}`);
  if (count === TRACES_PER_SECOND + 1) console.error("(trace) more this second: not shown");
}
/** The server closed or reset the connection before we were done: one line, exit 1. */
function hungUp(problem: Error | undefined, lastWords: string): never {
  if (atPrompt) console.error(); // the notice on a line of its own, not after the prompt
  const words = lastWords === "" ? "." : `; its last words: ${visible(lastWords)}`;
  const code = problem && "code" in problem ? problem.code : undefined; // ECONNRESET, ...
  if (code === "ECONNRESET") {
    quit(1, `The server reset the connection (it stopped abruptly)${words}`);
  }
  quit(1, `The server closed the connection${words}`);
}
/** Asks the system for a route to the address: a UDP "connect" sends nothing at all. */
async function checkRoute(address: string): Promise<void> {
  const any = isIP(address) === 6 ? "::" : "0.0.0.0"; // a socket of the address's family
  try {
    const to = { hostname: address, port };
    const probe = await Bun.udpSocket({ hostname: any, connect: to });
    probe.close();
  } catch (problem) {
    const { code } = problem as { code?: string }; // Bun.connect would say "refused"
    if (code === "ENETUNREACH" || code === "EHOSTUNREACH") cannotConnect(problem, 0);
  } // anything else: the connect itself will tell
}
/**
 * A failed connect, named truly. Bun 1.4.5 calls "no route" and "nobody answers"
 * "refused" (oven-sh/bun#37093). So checkRoute() finds no route; a refusal within SURE
 * ms came from the computer itself; a later one may be either (ARP gives up after 3 s,
 * Windows retries a refusal for 2 s), and the line says so. Real codes: their own lines.
 */
function cannotConnect(problem: unknown, took: number): never {
  const { code } = problem as { code?: string };
  const macOS = isThisComputer(host) ? "" : "; on macOS, allow Local Network";
  const network = "check the address, and that both computers are on one network";
  const apart = `${network} (${APART})${macOS}`;
  if (code === "ENETUNREACH") quit(1, `No route from here to ${address}: ${apart}.`);
  if (code === "EHOSTUNREACH") quit(1, `No computer answers at ${address}: ${apart}.`);
  const nobody = `nobody listens on port ${port}`;
  if (code === "ECONNREFUSED" && isThisComputer(host))
    quit(1, `Connection refused by ${where}: ${nobody} here; start the server first.`);
  const start = "start the server, or use the port it prints";
  const refused = `${nobody} there, or a firewall says no (${start})`;
  if (code === "ECONNREFUSED" && took < SURE)
    quit(1, `Connection refused by ${where}: ${refused}${macOS}.`);
  const which = `no computer answers, or ${nobody} there (Bun cannot tell which)`;
  const seconds = (took / 1000).toFixed(1);
  if (code === "ECONNREFUSED")
    quit(1, `No connection to ${where} after ${seconds} s: ${which}: ${apart}.`);
  if (code === "ETIMEDOUT") quit(1, noAnswer("answer")); // the system gave up first
  const ports = "No port of this computer is free to connect from: close some connections";
  if (code === "EADDRNOTAVAIL") quit(1, `${ports}, or wait a minute (closed ones hold theirs).`);
  giveUp(problem);
}
/** Anything unforeseen: one line on what to do; exit 1. */
function giveUp(problem: unknown): never {
  const { code, message } = problem as { code?: string; message?: string };
  const folder = "Standard input is a folder: give a file, as in < notes.txt.";
  if (code === "EISDIR") quit(1, folder);
  quit(1, `Stopped (${where}): ${message || String(problem)}`);
}
/** What the client says when the server does not answer in time. */
function noAnswer(what: string): string {
  return `No ${what} from ${where} in ${timeout} s: check the address, firewall and server.`;
}
/** Ctrl-C, SIGTERM, a closed terminal: close the connection in order, not a reset. */
function stop(signal: "SIGINT" | "SIGTERM" | "SIGHUP"): void {
  console.error(`\nStopped by ${signal === "SIGINT" ? "Ctrl-C" : signal}.`);
  stopping = true;
  s.end();
  process.exit(128 + constants.signals[signal]); // how shells report "ended by a signal"
}
/** The command line: --help prints the help (exit 0), a mistake the usage (exit 2). */
function readOptions() {
  const usage = "usage: bun client.ts [HOST] [--port PORT] [--timeout SECONDS] [--trace]";
  const help = `${usage}
  HOST       the server's name or address (default 127.0.0.1: this computer)
  --port     the server's port (default 1337)
  --timeout  seconds to wait for the server each time (default 10; 2.5 and 0.2 work too)
  --trace    a line on standard error each time Bun calls the client: Python's step`;
  try {
    const { values, positionals } = parseArgs({
      options: {
        port: { type: "string", default: "1337" },
        timeout: { type: "string", default: "10" },
        trace: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
    });
    if (values.help) quit(0, help);
    if (positionals.length > 1) throw Error("one server address, please");
    const port = whole(values.port, 1, 65535, "--port");
    const timeout = seconds(values.timeout, "--timeout");
    const tracing = values.trace;
    return { host: checkHost(positionals[0] ?? "127.0.0.1"), port, timeout, tracing };
  } catch (mistake) {
    quit(2, `${firstLine(mistake)}\n${usage}`);
  }
}
/** A number of seconds, as a timer can wait them: 0.2, 2.5 or 10; not "1e3" or " 5". */
function seconds(text: string, option: string): number {
  const MIN = 0.001; // a millisecond: a timer's step
  const MAX = 2_000_000; // about 23 days: a timer waits at most 2^31 ms, about 24.8 days
  const value = Number(text);
  if (/^\d+(\.\d+)?$/.test(text) && value >= MIN && value <= MAX) return value;
  throw Error(`${option} takes a number of seconds from ${MIN} to ${MAX}, not "${text}"`);
}

// The helpers below are the same in server.ts and client.ts (a test checks).

/** A host and port as people type them: 10.0.0.5:1337, or [::1]:1337 for IPv6. */
function hostAndPort(host: string, port: number): string {
  if (host.includes(":")) return `[${host}]:${port}`;
  return `${host}:${port}`;
}
/** Whether a host is this computer's own loopback, which other computers cannot reach. */
function isThisComputer(host: string): boolean {
  return /^(127\.|::1$|localhost$)/.test(host);
}
/** A host alone, as the tutorial writes one: a name or address; no brackets, no port. */
function checkHost(host: string): string {
  const name = /^[\p{L}\p{N}\p{M}_.-]+$/u; // a name, in any script, or an IPv4 address
  const numbers = /^[\d.]+$/; // digits and dots: meant as an IPv4 address, or a port
  const linkLocal = /^fe[89ab]/i; // fe80::1: the same on every network, so which one?
  const group = /^(22[4-9]|23\d)\.|^255\.255\.255\.255$|^ff/i; // multicast, broadcast
  if (isIP(host) === 0 && numbers.test(host)) {
    const example = `such as 192.168.1.20 or 0.0.0.0 (for a port: --port ${host})`;
    throw Error(`"${host}" is not an address: one has four numbers, ${example}`);
  }
  const scope = `add its interface, as in ${host}%eth0 (Windows: %12)`;
  if (isIP(host) === 6 && linkLocal.test(host) && !host.includes("%"))
    throw Error(`"${host}" is link-local: ${scope}`);
  const many = "a multicast or broadcast address: TCP needs one computer's";
  if (isIP(host) !== 0 && group.test(host)) throw Error(`${host} is ${many}`);
  if (isIP(host) !== 0 || name.test(host)) return host; // isIP: 4 or 6, or 0 for neither
  throw Error(`"${host}" is not a name or address alone, such as ::1: give the port with --port`);
}
/** A whole number from min to max, written in digits: not "1e3", "0x10" or " 5". */
function whole(text: string, min: number, max: number, option: string): number {
  const value = Number(text);
  if (/^\d+$/.test(text) && value >= min && value <= max) return value;
  throw Error(`${option} takes a whole number from ${min} to ${max}, not "${text}"`);
}
/** The first line of an error's message: parseArgs adds advice on further lines. */
function firstLine(problem: unknown): string {
  const line = String((problem as Error).message).split("\n")[0] ?? "";
  const ambiguous = line.match(/^Option '(--[\w-]+)' argument is ambiguous/); // --port -1
  if (ambiguous === null) return line;
  const option = ambiguous[1];
  const dash = `one that starts with "-" is written ${option}=-1`;
  return `${option} needs a value after it (${dash})`;
}
/** A name's address, as Python's connect() and bind() find it: IPv4 first, as theirs. */
async function lookUp(name: string, seconds: number): Promise<string> {
  if (isIP(name) !== 0) return name; // an address already
  const slow = `Looking up "${name}" took over ${seconds} s: use its address instead.`;
  const timer = setTimeout(() => quit(1, slow), seconds * 1000); // a silent name server
  const ascii = domainToASCII(name); // exämple.com is looked up as xn--exmple-cua.com
  const found = await lookup(ascii, { all: true }).catch(() => []); // [] if none is found
  clearTimeout(timer);
  const first = found.sort((a, b) => a.family - b.family)[0]; // family 4 before 6
  const unknown = `No computer named "${name}": check it, or use its address.`;
  if (first === undefined) quit(1, unknown);
  return first.address;
}
/** Prints one line (help on standard output, a problem on standard error), and exits. */
function quit(code: number, line: string): never {
  if (code === 0) console.log(line);
  else console.error(line);
  process.exit(code);
}
/** Text from the other side, safe to print: hidden characters become escapes (\x1b). */
function visible(text: string): string {
  if (!HIDDEN.test(text) && text.search(PILED_UP) < 0) return text; // most text: as it is
  const marked = text.replace(PILED_UP, escaped); // marks piled on a character: escapes
  // split() with a group puts each emoji at an odd place: it prints whole, as it is, for
  // its joiners and tags are hidden characters anywhere else.
  let shown = "";
  for (const [place, part] of marked.split(EMOJI).entries()) {
    const emoji = place % 2 === 1; // an emoji prints as it is, every character of it
    shown += emoji ? part : part.replace(ALL_HIDDEN, escaped);
  }
  return shown;
}
/** A character as an escape code: \x1b, \u202e, \u{e0041}. Kept: floods repeat a few. */
function escaped(char: string): string {
  const known = escapes.get(char);
  if (known !== undefined) return known;
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16);
  let shown = `\\u{${hex}}`;
  if (code <= 0xffff) shown = `\\u${hex.padStart(4, "0")}`;
  if (code <= 0xff) shown = `\\x${hex.padStart(2, "0")}`;
  if (escapes.size < ESCAPES_KEPT) escapes.set(char, shown);
  return shown;
}
