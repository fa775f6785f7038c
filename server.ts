#!/usr/bin/env bun
// server.ts: the server of the classic sockets tutorial, on Bun.
//   bun server.ts              serves one client, as the tutorial does
//   bun server.ts --keep-open  serves a whole class at once (classroom.ts beside it)
//   bun server.ts --help       all the options (--trace: see each call Bun makes)
// Each "Step N" below quotes the tutorial's Python; WALKTHROUGH.md explains them.
// Bun's TCP sockets: https://bun.sh/docs/api/tcp

import { lookup } from "node:dns/promises";
import { closeSync, openSync, write } from "node:fs";
import { isIP } from "node:net";
import { constants, devNull, networkInterfaces } from "node:os";
import { domainToASCII } from "node:url";
import { parseArgs } from "node:util";
import type { Socket, TCPSocketListener } from "bun";

/** What the server keeps for each client. */
type Client = {
  name: string; // its address and port, as people type them: 127.0.0.1:52144
  address: string; // its address alone: 127.0.0.1
  decoder: TextDecoder; // bytes to text; keeps half a character until the rest arrives
  unsent: Unsent[]; // replies that write() could not send yet, oldest first
};
type Classroom = import("./classroom.ts").Classroom; // the class's rules, for --keep-open

const DEFAULT_PORT = 1337; // the tutorial's port
// "::ffff:" before an IPv4 address: how an IPv6 server shows an IPv4 client.
const IPV4_OVER_IPV6 = /^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/;
const WIRED_OR_WIFI = /^(en|eth|wl|wi-?fi|ethernet)/i; // wired and Wi-Fi interfaces
const LINK_LOCAL = "169.254."; // a self-assigned IPv4 address: nobody else reaches it
const LOOKUP_WAIT = 5; // seconds a --host name may take to look up
// Characters that control the terminal, or hide or reorder text: all but tab and newline.
const HIDDEN =
  /[[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}]--[\t\n]]/v;
const EMOJI = /(\p{RGI_Emoji})/v; // a whole emoji: its joiners and tags are not hidden
const ALL_HIDDEN = new RegExp(HIDDEN, "gv"); // to replace every one
const PILED_UP = /(?<=\p{M}{4})\p{M}/gv; // a 5th mark on one character, and on: piled up
const escapes = new Map<string, string>(); // each hidden character met, with its escape
const ESCAPES_KEPT = 1000; // escapes kept at most: a few characters make most floods
const GOT_IT = new TextEncoder().encode("Got it!"); // the tutorial's reply
const KEEPALIVE = 20_000; // ms of silence before the system checks a client is there
const STOP_WAIT = 500; // ms Ctrl-C waits for output that a stopped terminal won't take
const OUTPUT_LIMIT = 2 ** 20; // bytes of output that wait for the terminal, at most
const RETRY_WAIT = 10; // ms before writing again to a full pipe that does not wait
const { host, port, keepOpen, maxClients, tracing } = readOptions();
const clients = new Set<Socket<Client>>(); // the clients being served now
// Output waits here, in order, for the terminal (see output()): Ctrl-S stops nobody.
const waiting: { fd: number; bytes: Uint8Array }[] = []; // standard output is 1, error 2
let waitingBytes = 0; // of all the output waiting
let writing = false; // whether a write is under way
let leftOut = 0; // lines left out while too much was waiting
const whenPrinted: (() => void)[] = []; // who waits until all output is out
const room = keepOpen ? await openClassroom() : undefined; // the class's rules, if any

// Step 1: import the socket module
// import socket
// Nothing to import: Bun.listen is built into Bun.

// Step 2: create a TCP socket
// s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
// Step 3: bind it to an address and a port
// s.bind(('', 1337))
// Step 4: listen for connections
// s.listen()
// Bun does all three in one call. Python's '' is "0.0.0.0", our default --host.
let server: TCPSocketListener<Client>;
try {
  server = Bun.listen<Client>({
    hostname: await lookUp(host, LOOKUP_WAIT), // the address a --host name stands for
    port,
    // What Bun calls when something happens to a connection: the functions below.
    socket: {
      open: onOpen, // a client has connected
      data: onData, // bytes have arrived
      end: onEnd, // the client has finished sending
      drain: flush, // there is room to send again: send what write() could not
      close: onClose, // the connection is gone
      error: onError, // something went wrong with this one connection
    },
  });
} catch (problem) {
  quit(1, explain(problem)); // the port is taken, or this computer has no such address
}
printHowToConnect();
// Ctrl-C; kill, or the system shutting down; the terminal window closed:
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, stop);

// Step 5: accept a connection
// conn, addr = s.accept() # Blocks!
// Python waits for a client here; Bun calls onOpen() when one connects.
function onOpen(conn: Socket<Client>): void {
  // A connection reset before Bun took it has no address left: nothing to serve.
  if (!conn.remoteAddress || !conn.remotePort) {
    note("resets", "A client reset its connection before the server could take it.");
    return;
  }
  conn.setKeepAlive(true, KEEPALIVE); // a laptop that vanished (lid shut) is found out
  const address = conn.remoteAddress.replace(IPV4_OVER_IPV6, "");
  const name = hostAndPort(address, conn.remotePort);
  conn.data = { name, address, decoder: new TextDecoder(), unsent: [] };
  trace(`open(${name})`, "s.accept() returns conn, addr");
  // Throws if no descriptor is left: Bun calls onError(), which closes this connection
  closeSync(openSync(devNull, "r")); // (else Bun would retry accept() at full speed)
  // Alone, a second client is turned away; a class may make room for it, if that is fair.
  if (clients.size >= maxClients && !room?.makeRoom(conn)) {
    turnAway(conn);
    return;
  }
  clients.add(conn);
  // Step 6: print who connected
  // print('Connection from : ' + addr[0])
  // With --keep-open, the class room prints it with the port: the name its messages get.
  if (room) room.announce(conn);
  else print("Connection from : " + address);
}

// Step 7: receive data
// while True:
//     data = conn.recv(1024) # Blocks!
// No loop to write: Bun calls onData() with each chunk of bytes as it arrives.
function onData(conn: Socket<Client>, bytes: Buffer): void {
  // Read no more from this client until its reply is sent (and, alone, its text printed):
  // one that never reads its replies then holds one chunk, not all it sends.
  conn.pause();
  trace(`data(${conn.data.name}, ${bytes.length} bytes)`, "conn.recv(1024) returns data");
  // Step 8: stop when the client has finished
  //     if not data:
  //         break
  // A chunk is never empty: when the client has finished, Bun calls onEnd() instead.
  // Step 9: print the message
  //     print(data.decode())
  const shown = show(conn, conn.data.decoder.decode(bytes, { stream: true }));
  // Step 10: reply "Got it!"
  //     conn.sendall(b'Got it!')
  const replied = sendAll(conn, GOT_IT);
  // Once both are done, read on, after the other clients' chunks: they take turns.
  Promise.all([shown, replied]).then(() => setImmediate(() => conn.resume()));
}

/** The client has finished (step 8): print the rest of a character cut short. */
function onEnd(conn: Socket<Client>): void {
  trace(`end(${conn.data.name})`, "conn.recv(1024) returns b'': not data, break");
  show(conn, conn.data.decoder.decode());
}

/** The connection is gone: where the tutorial's program ends, after its loop. */
function onClose(conn: Socket<Client>, problem?: Error): void {
  if (conn.data === undefined) return; // reset before onOpen() could take it
  trace(`close(${conn.data.name})`, "the program goes on after its loop");
  const wasServed = clients.delete(conn); // false: turned away, replaced, or stopping
  const left = problem ? `left abruptly (${problem.message})` : "left";
  room?.leave(conn, wasServed ? left : ""); // a class: who left, and what was held back
  if (!wasServed || room) return;
  // Single mode: one client served, as in the tutorial (exit 1 if it left abruptly).
  if (problem) note("clients leaving", `The client ${left}.`);
  printed().then(() => process.exit(problem ? 1 : 0));
}

/** One connection went wrong (a reset, no descriptor left): close it alone. */
function onError(conn: Socket<Client>, problem: Error): void {
  let why = problem.message;
  if (why.includes("EMFILE")) why = "no file descriptor left: raise ulimit -n";
  const name = conn.data?.name ?? "a connection"; // no name if it failed before onOpen()
  note("errors", `Closed ${name} after an error: ${why}`);
  conn.end();
}

// What Python gives for free, and Bun leaves to us.

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
/** Python's print(): a line on standard output, through the queue (see output()). */
function print(line: string): void {
  output(1, line);
}

// What a class needs, and the tutorial leaves out.

/** Prints a client's text: alone, every byte of it; in a class, within its share. */
function show(conn: Socket<Client>, text: string): Promise<void> {
  // In a class the promise is settled at once: the terminal's pace holds up no reply.
  if (room) return room.show(conn, text);
  if (text !== "") print(visible(text));
  return printed(); // alone: the next chunk waits until the terminal has taken this one
}
/** One client too many: say why, and close the connection in order. */
function turnAway(conn: Socket<Client>): void {
  const whyNot = keepOpen ? `is full (${maxClients} at a time)` : "is busy with another client";
  note("clients turned away", `Turned away ${conn.data.name}: the server ${whyNot}.`);
  conn.end(`The server ${whyNot}: try again later.`);
}
/** Loads classroom.ts, the class's rules: who gets a place, who gets the projector. */
async function openClassroom(): Promise<Classroom> {
  try {
    const { Classroom } = await import("./classroom.ts");
    return new Classroom({ clients, maxClients, print, output, visible });
  } catch {
    quit(1, "--keep-open needs classroom.ts in the folder of server.ts: copy it there.");
  }
}
/** Queues a line for standard output (1) or error (2): console.log() blocks on Ctrl-S. */
function output(fd: number, line: string): void {
  if (waitingBytes > OUTPUT_LIMIT) {
    leftOut++; // 1 MiB waits already: this line is only counted
    return;
  }
  const bytes = Buffer.from(line + "\n");
  waiting.push({ fd, bytes });
  waitingBytes += bytes.length;
  if (!writing) writeNext(); // otherwise the write under way calls writeNext() when done
}
/** Writes what waits, oldest first; when all is out, tells whoever waits (printed()). */
function writeNext(): void {
  const first = waiting[0];
  if (first === undefined) {
    writing = false;
    for (const done of whenPrinted.splice(0)) done(); // each one, once
    return;
  }
  writing = true;
  // The lines waiting for one output in one write: a busy server gets few writes done.
  let count = 1;
  while (waiting[count]?.fd === first.fd) count++;
  const bytes = Buffer.concat(waiting.splice(0, count).map((line) => line.bytes));
  write(first.fd, bytes, (problem, written) => {
    // A pipe set not to block (by another program) may be full: then try again shortly.
    const full = (problem as { code?: string } | null)?.code === "EAGAIN";
    const gone = problem && !full ? bytes.length : written; // closed (| head): dropped
    waitingBytes -= gone;
    const rest = bytes.subarray(gone); // what the system did not take this time
    if (rest.length > 0) waiting.unshift({ fd: first.fd, bytes: rest });
    if (leftOut > 0 && waitingBytes <= OUTPUT_LIMIT) {
      output(2, `(${leftOut} lines of output left out: the terminal took none.)`);
      leftOut = 0; // said where they were left out, before any line that came later
    }
    if (full) setTimeout(writeNext, RETRY_WAIT);
    else writeNext();
  });
}
/** Settles when every line queued so far has been written. */
function printed(): Promise<void> {
  return new Promise((done) => {
    if (waiting.length === 0 && !writing) done();
    else whenPrinted.push(done);
  });
}
/** A line on standard error; in a class, of one kind 20 a second (see classroom.ts). */
function note(kind: string, line: string): void {
  if (room) room.note(kind, line);
  else output(2, line); // alone: one client, and then the server ends
}
/** --trace: a line on standard error when Bun calls us, and what Python does there. */
function trace(call: string, python: string): void {
  if (tracing) note("trace", `(trace) Bun calls ${call}: in Python, ${python}`);
}
/** Where the server listens, and the command that reaches it from here and elsewhere. */
function printHowToConnect(): void {
  const portOption = server.port === DEFAULT_PORT ? "" : ` --port ${server.port}`;
  const everywhere = host === "0.0.0.0" || host === "::"; // the tutorial's ''
  const banner = [`Listening on ${hostAndPort(host, server.port)}; Ctrl-C stops.`];
  if (everywhere) banner.push(`On this computer: bun client.ts${portOption}`);
  else banner.push(`On this computer: bun client.ts ${host}${portOption}`);
  const others = everywhere ? addressesForOthers() : []; // none unless on every address
  for (const { via, address } of others) {
    const command = `bun client.ts ${address}${portOption}`;
    banner.push(`From another computer, over ${via}: ${command}`);
  }
  const firewall = `(A firewall here may have to allow TCP port ${server.port}.)`;
  if (others.length > 0) banner.push(firewall);
  else if (isThisComputer(host)) banner.push("Other computers cannot connect.");
  output(2, banner.join("\n")); // in one write
}
type Address = { via: string; address: string }; // an address, and its interface's name
/** The IPv4 addresses other computers can reach this one at, wired and Wi-Fi first. */
function addressesForOthers(): Address[] {
  const found: Address[] = [];
  for (const [via, addresses] of Object.entries(networkInterfaces())) {
    for (const { address, family, internal } of addresses ?? []) {
      const reachable = family === "IPv4" && !internal && !address.startsWith(LINK_LOCAL);
      if (reachable) found.push({ via, address });
    }
  }
  const later = (one: Address) => Number(!WIRED_OR_WIFI.test(one.via)); // 0 first, then 1
  return found.sort((a, b) => later(a) - later(b)); // a stable sort: the rest keep order
}
/** Turns a failure to listen into one line that says what happened and what to do. */
function explain(problem: unknown): string {
  const { code, message } = problem as { code?: string; message?: string };
  if (code === "EADDRINUSE")
    return `Port ${port} is in use: stop the other server (Ctrl-C), or use another --port.`;
  const netsh = "(Windows: netsh interface ipv4 show excludedportrange protocol=tcp)";
  if (code === "EACCES" && port > 1023)
    return `Port ${port} is reserved or blocked: try another ${netsh}.`;
  if (code === "EACCES")
    return `Port ${port} may need special privileges: use one above 1023, such as --port 1337.`;
  // All Bun says of an address not on this computer, or of a name not found:
  if (message?.startsWith("Failed to listen"))
    return `This computer has no address ${host}: use one of its own, or no --host.`;
  return `The server stopped: ${message ?? String(problem)}`;
}
/** Ctrl-C, SIGTERM, a closed terminal: close every connection in order, not a reset. */
function stop(signal: "SIGINT" | "SIGTERM" | "SIGHUP"): void {
  note("stopping", `Stopped by ${signal === "SIGINT" ? "Ctrl-C" : signal}.`);
  clients.clear(); // so that their onClose() says nothing more
  server.stop(true); // closes every connection in order
  const code = 128 + constants.signals[signal]; // how shells report "ended by a signal"
  printed().then(() => process.exit(code));
  setTimeout(() => process.exit(code), STOP_WAIT); // a stopped terminal: stop anyway
}
/** The command line: --help prints the help (exit 0), a mistake the usage (exit 2). */
function readOptions() {
  const usage =
    "usage: bun server.ts [--host HOST] [--port PORT] [--keep-open [--max-clients N]] [--trace]";
  const help = `${usage}
  --host HOST  0.0.0.0: every IPv4 address (default); 127.0.0.1: this computer only; :: or ::1: IPv6
  --port PORT  the port (default 1337); 0 picks a free one
  --keep-open  serve many clients at once until Ctrl-C, --max-clients N at most (100)
  --trace      a line on standard error each time Bun calls the server: Python's step`;
  try {
    const { values } = parseArgs({
      options: {
        host: { type: "string", default: "0.0.0.0" },
        port: { type: "string", default: String(DEFAULT_PORT) },
        "keep-open": { type: "boolean", default: false },
        "max-clients": { type: "string" },
        trace: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) quit(0, help);
    const keepOpen = values["keep-open"];
    const most = values["max-clients"];
    if (most !== undefined && !keepOpen) throw Error("--max-clients goes with --keep-open");
    let maxClients = 1; // the tutorial's one client
    if (keepOpen) maxClients = whole(most ?? "100", 1, 100_000, "--max-clients");
    const port = whole(values.port, 0, 65535, "--port");
    return { host: checkHost(values.host), port, keepOpen, maxClients, tracing: values.trace };
  } catch (mistake) {
    quit(2, `${firstLine(mistake)}\n${usage}`);
  }
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
