#!/usr/bin/env bun
// server.ts: the server of the classic sockets tutorial, on Bun.
//   bun server.ts              serves one client, as the tutorial does
//   bun server.ts --keep-open  serves a whole class at once, until Ctrl-C
//   bun server.ts --help       all the options
// Each "Step N" below quotes the tutorial's Python; WALKTHROUGH.md explains them.
// Bun's TCP sockets: https://bun.sh/docs/api/tcp

import { closeSync, openSync } from "node:fs";
import { isIP } from "node:net";
import { constants, devNull, networkInterfaces } from "node:os";
import { parseArgs } from "node:util";
import type { Socket, TCPSocketListener } from "bun";

/** What the server keeps for each client. */
type Client = {
  name: string; // its address and port, as people type them: 127.0.0.1:52144
  decoder: TextDecoder; // bytes to text; keeps half a character until the rest arrives
  unsent: Unsent[]; // replies that write() could not send yet, oldest first
};

const DEFAULT_PORT = 1337; // the tutorial's port
// "::ffff:" before an IPv4 address: how an IPv6 server shows an IPv4 client.
const IPV4_OVER_IPV6 = /^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/;
const WIRED_OR_WIFI = /^(en|eth|wl|wi-?fi|ethernet)/i; // wired and Wi-Fi interfaces
const LINK_LOCAL = "169.254."; // a self-assigned IPv4 address: nobody else reaches it
// Characters that control the terminal, or hide or reorder text: all but tab and newline.
const HIDDEN = /[[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]--[\t\n]]/v;
const { host, port, keepOpen, maxClients } = readOptions();
const clients = new Set<Socket<Client>>(); // the clients being served now
// What a client turned away is told, after "The server ".
let whyNot = "is busy with another client"; // the tutorial's server serves one at a time
if (keepOpen) whyNot = `is full (${maxClients} at a time)`;

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
    hostname: host,
    port,
    // What Bun calls when something happens to a connection: the functions below.
    socket: {
      open: onOpen, // a client has connected
      data: onData, // bytes have arrived
      end: onEnd, // the client has finished sending
      drain: onDrain, // there is room to send again
      close: onClose, // the connection is gone
      error: onError, // something went wrong with this one connection
    },
  });
} catch (problem) {
  quit(1, explain(problem)); // the port is taken, or this computer has no such address
}
printHowToConnect();
process.on("SIGINT", stop); // Ctrl-C
process.on("SIGTERM", stop); // kill, or the system shutting down
process.on("SIGHUP", stop); // the terminal window closed

// Step 5: accept a connection
// conn, addr = s.accept() # Blocks!
// Python waits for a client here; Bun calls onOpen() when one connects.
function onOpen(conn: Socket<Client>): void {
  // A connection reset before Bun took it has no address left: nothing to serve.
  if (!conn.remoteAddress || !conn.remotePort) {
    console.error("A client reset its connection before the server could take it.");
    return;
  }
  const ip = conn.remoteAddress.replace(IPV4_OVER_IPV6, "");
  const name = hostAndPort(ip, conn.remotePort);
  conn.data = { name, decoder: new TextDecoder(), unsent: [] };
  checkDescriptorLeft(); // if none is left, it throws: then Bun calls onError()
  if (clients.size >= maxClients) {
    turnAway(conn);
    return;
  }
  clients.add(conn);
  // Step 6: print who connected
  // print('Connection from : ' + addr[0])
  // With --keep-open, the port too: the name the client's messages are printed under.
  if (keepOpen) console.log("Connection from : " + name);
  else console.log("Connection from : " + ip);
}

// Step 7: receive data
// while True:
//     data = conn.recv(1024) # Blocks!
// No loop to write: Bun calls onData() with each chunk of bytes as it arrives.
function onData(conn: Socket<Client>, bytes: Buffer): void {
  // Step 8: stop when the client has finished
  //     if not data:
  //         break
  // A chunk is never empty: when the client has finished, Bun calls onEnd() instead.
  // Step 9: print the message
  //     print(data.decode())
  show(conn, conn.data.decoder.decode(bytes, { stream: true }));
  // Step 10: reply "Got it!"
  //     conn.sendall(b'Got it!')
  sendAll(conn, new TextEncoder().encode("Got it!"));
  // Take turns: read this client's next chunk only after the other clients' chunks.
  conn.pause();
  setImmediate(() => conn.resume());
}

/** The client has finished (step 8): print the rest of a character cut short. */
function onEnd(conn: Socket<Client>): void {
  show(conn, conn.data.decoder.decode());
}

/** The connection is gone: where the tutorial's program ends, after its loop. */
function onClose(conn: Socket<Client>, problem?: Error): void {
  const wasServed = clients.delete(conn);
  if (!wasServed) return; // one we turned away, or one that stop() is closing
  const left = problem ? `left abruptly (${problem.message})` : "left";
  if (keepOpen) {
    console.error(`${conn.data.name} ${left}; ${clients.size} connected.`);
    return;
  }
  if (problem) quit(1, `The client ${left}.`);
  process.exit(0); // single mode: one client served, as in the tutorial
}

/** One connection went wrong (a reset, no descriptor left): close it alone. */
function onError(conn: Socket<Client>, problem: Error): void {
  let why = problem.message;
  if (why.includes("EMFILE")) why = "no file descriptor left: raise ulimit -n";
  const name = conn.data?.name ?? "a connection"; // no name if it failed before onOpen()
  console.error(`Closed ${name} after an error: ${why}`);
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
/** Writes the queue until the socket is full (then Bun calls onDrain) or it is empty. */
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
/** The socket has room again: send what write() could not. */
function onDrain(socket: Socket<{ unsent: Unsent[] }>): void {
  flush(socket);
}

// What a class needs, and the tutorial leaves out.

/** Prints a client's text, as print() does; --keep-open names the sender. */
function show(conn: Socket<Client>, text: string): void {
  if (!keepOpen) {
    if (text !== "") console.log(visible(text));
    return;
  }
  // In a class, blank lines say nothing, and every line is named.
  const joined = text.replace(/\n+/g, "\n"); // one "\n" for many in a row
  const trimmed = joined.replace(/^\n|\n$/g, ""); // and none at either end
  const who = `${conn.data.name}: `;
  if (trimmed !== "") console.log(who + visible(trimmed).replaceAll("\n", `\n${who}`));
}
/** One client too many: say why, and close the connection in order. */
function turnAway(conn: Socket<Client>): void {
  console.error(`Turned away ${conn.data.name}: the server ${whyNot}.`);
  conn.end(`The server ${whyNot}: try again later.`);
}
/** Throws if no file descriptor is left (else Bun would retry accept() at full speed). */
function checkDescriptorLeft(): void {
  closeSync(openSync(devNull, "r"));
}
/** Where the server listens, and the command that reaches it from here and elsewhere. */
function printHowToConnect(): void {
  const portOption = server.port === DEFAULT_PORT ? "" : ` --port ${server.port}`;
  const everywhere = host === "0.0.0.0" || host === "::"; // the tutorial's ''
  const banner = [`Listening on ${hostAndPort(host, server.port)}; Ctrl-C stops.`];
  if (everywhere) banner.push(`On this computer: bun client.ts${portOption}`);
  else banner.push(`On this computer: bun client.ts ${host}${portOption}`);
  let others: Address[] = []; // none to list unless it listens on every address
  if (everywhere) others = addressesForOthers();
  for (const { via, address } of others) {
    const command = `bun client.ts ${address}${portOption}`;
    banner.push(`From another computer, over ${via}: ${command}`);
  }
  const firewall = `(A firewall here may have to allow TCP port ${server.port}.)`;
  if (others.length > 0) banner.push(firewall);
  else if (isThisComputer(host)) banner.push("Other computers cannot connect.");
  console.error(banner.join("\n")); // in one write
}
type Address = { via: string; address: string }; // an address, and its interface's name
/** The IPv4 addresses other computers can reach this one at, wired and Wi-Fi first. */
function addressesForOthers(): Address[] {
  const found: Address[] = [];
  for (const [via, addresses] of Object.entries(networkInterfaces())) {
    for (const { address, family, internal } of addresses ?? []) {
      if (family === "IPv4" && !internal && !address.startsWith(LINK_LOCAL)) {
        found.push({ via, address });
      }
    }
  }
  const first = found.filter(({ via }) => WIRED_OR_WIFI.test(via));
  const rest = found.filter(({ via }) => !WIRED_OR_WIFI.test(via));
  return [...first, ...rest];
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
  console.error(`Stopped by ${signal === "SIGINT" ? "Ctrl-C" : signal}.`);
  clients.clear(); // so that their onClose() says nothing more
  server.stop(true); // closes every connection in order
  process.exit(128 + constants.signals[signal]); // how shells report "ended by a signal"
}
/** The command line: --help prints the help (exit 0), a mistake the usage (exit 2). */
function readOptions() {
  const usage = "usage: bun server.ts [--host HOST] [--port PORT] [--keep-open [--max-clients N]]";
  const help = `${usage}
  --host HOST  0.0.0.0: every IPv4 address (default); 127.0.0.1: this computer only; :: or ::1: IPv6
  --port PORT  the port (default 1337); 0 picks a free one
  --keep-open  serve many clients at once until Ctrl-C, --max-clients N at most (100)`;
  try {
    const { values } = parseArgs({
      options: {
        host: { type: "string", default: "0.0.0.0" },
        port: { type: "string", default: String(DEFAULT_PORT) },
        "keep-open": { type: "boolean", default: false },
        "max-clients": { type: "string" },
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
    return { host: checkHost(values.host), port, keepOpen, maxClients };
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
  const name = /^[\w.-]+$/; // a name (or an IPv4 address): letters, digits, "_", "-" and "."
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
  return String((problem as Error).message).split("\n")[0] ?? "";
}
/** Prints one line (help on standard output, a problem on standard error), and exits. */
function quit(code: number, line: string): never {
  if (code === 0) console.log(line);
  else console.error(line);
  process.exit(code);
}
/** Text from the other side, safe to print: hidden characters become escapes (\x1b). */
function visible(text: string): string {
  if (!HIDDEN.test(text)) return text; // most text: nothing to escape, no walk
  // A flood of hidden characters is the slow case: so each character's escape is worked out
  // once, kept under its code, and the result written as UTF-16 code units into one array.
  const shown: string[] = []; // by code: each character met so far, as it is printed
  const units = new Uint16Array(text.length * 6); // room for a 6-unit escape of each unit
  let length = 0; // how many units are written
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) ?? 0; // the whole character, even one above U+FFFF
    let part = shown[code];
    if (part === undefined) {
      part = String.fromCodePoint(code);
      if (HIDDEN.test(part)) part = escaped(part);
      shown[code] = part;
    }
    for (let j = 0; j < part.length; j++) {
      units[length] = part.charCodeAt(j);
      length++;
    }
    if (code > 0xffff) i++; // it took two units of the text
  }
  return new TextDecoder("utf-16le").decode(units.subarray(0, length)); // units to text
}
/** A character as an escape code: \x1b, \u202e, \u{e0041}. */
function escaped(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16);
  if (code <= 0xff) return `\\x${hex.padStart(2, "0")}`;
  if (code <= 0xffff) return `\\u${hex.padStart(4, "0")}`;
  return `\\u{${hex}}`;
}
