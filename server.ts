#!/usr/bin/env bun
// server.ts: the sockets tutorial's server, on Bun: one client on port 1337, or a class with
// --keep-open (see --help). Steps quote the tutorial (WALKTHROUGH.md). https://bun.sh/docs/api/tcp

import { closeSync, openSync } from "node:fs";
import { constants, devNull, networkInterfaces } from "node:os";
import { parseArgs } from "node:util";
import type { Socket } from "bun";

const { host, port, keepOpen, maxClients } = readOptions();
const clients = new Set<Socket<Connection>>(); // the clients being served
const BUSY = keepOpen ? `is full (${maxClients} at a time)` : "is busy with another client";
process.on("uncaughtException", (error) => quit(1, explain(error))); // one line, not a traceback
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, stop);

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
const server = Bun.listen<Connection>({
  hostname: host,
  port,
  socket: {
    // Step 5: accept a connection
    // conn, addr = s.accept() # Blocks!
    // Bun calls open() for each client that connects; conn is the socket to talk to it.
    open(conn) {
      const ip = conn.remoteAddress.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, ""); // IPv4 plainly
      const name = hostAndPort(ip, conn.remotePort);
      conn.data = { name, decoder: new TextDecoder(), unsent: [] };
      closeSync(openSync(devNull, "r")); // is a descriptor left? If not, error() closes this one
      if (clients.size < maxClients) {
        clients.add(conn);
        // Step 6: print who connected
        // print('Connection from : ' + addr[0])
        return console.log("Connection from : " + (keepOpen ? name : ip)); // --keep-open: :port
      }
      console.error(`Turned away ${name}: the server ${BUSY}.`); // one too many:
      conn.end(`The server ${BUSY}: try again later.`); // say why, then close it fully
    },
    // Step 7: receive data
    // while True:
    //     data = conn.recv(1024) # Blocks!
    // No loop to write: Bun calls data() below with each chunk of bytes as it arrives.
    // Step 8: stop when the client has finished
    //     if not data:
    //         break
    // Bun calls end() once the client has sent its last byte, then hangs up by itself.
    end: (conn) => show(conn, conn.data.decoder.decode()), // the rest of a character cut short
    data(conn, bytes) {
      // Step 9: print the message
      //     print(data.decode())
      show(conn, conn.data.decoder.decode(bytes, { stream: true }));
      // Step 10: reply "Got it!"
      //     conn.sendall(b'Got it!')
      sendAll(conn, new TextEncoder().encode("Got it!"));
      conn.pause();
      setImmediate(() => conn.resume()); // the other clients' turn first: a chunk each in turn
    },
    drain: flush, // the socket has room again: send what sendAll() left waiting
    // The connection is gone: where the tutorial's program ends, after its loop.
    close(conn, error) {
      if (!clients.delete(conn)) return; // one we turned away, or stop() closed
      const left = error ? `left abruptly (${error.message})` : "left";
      if (keepOpen) console.error(`${conn.data.name} ${left}; ${clients.size} connected.`);
      else if (error) quit(1, `The client ${left}.`);
      else process.exit();
    },
    // Something went wrong with one connection (a bug, a reset, no file left): close it alone.
    error(conn, error) {
      const why = error.message.replace(/EMFILE.*/, "no file descriptor left: raise ulimit -n");
      console.error(`Closed ${conn.data?.name ?? "a connection"} after an error: ${why}`);
      conn.end();
    },
  },
});

// Where the server is, and how to reach it (wired and Wi-Fi first), in one write.
const portOption = server.port === 1337 ? "" : ` --port ${server.port}`;
const everywhere = host === "0.0.0.0" || host === "::"; // every address, as the tutorial's ''
const lines = [`Listening on ${hostAndPort(host, server.port)}; Ctrl-C stops.`];
lines.push(`On this computer: bun client.ts${everywhere ? "" : ` ${host}`}${portOption}`);
const lan = ([name]: [string, unknown]) => Number(/^(en|eth|wl|wi-?fi|ethernet)/i.test(name));
for (const [name, list = []] of Object.entries(networkInterfaces()).sort((a, b) => lan(b) - lan(a)))
  for (const { address: ip, family, internal } of everywhere ? list : [])
    if (family === "IPv4" && !internal && !ip.startsWith("169.254."))
      lines.push(`From another computer, over ${name}: bun client.ts ${ip}${portOption}`);
if (lines.length > 2) lines.push(`(A firewall here may have to allow TCP port ${server.port}.)`);
else if (/^(127\.|::1$|localhost$)/.test(host)) lines.push("Other computers cannot connect.");
console.error(lines.join("\n"));

// What Python gives for free, and Bun leaves to us.
type Connection = { name: string; decoder: TextDecoder; unsent: Unsent[] }; // kept for each client
/** Prints what a client sent, as print() does, in one write; --keep-open names the sender. */
function show(conn: Socket<Connection>, text: string): void {
  const who = keepOpen ? `${conn.data.name}: ` : ""; // and then blank lines say nothing
  const lines = keepOpen ? text.replace(/\n+/g, "\n").replace(/^\n|\n$/g, "") : text;
  if (lines !== "") console.log(who + visible(lines).replaceAll("\n", `\n${who}`));
}
/** Turns an error into one line that says what happened and what to do. */
function explain(error: unknown): string {
  const { code, message = String(error) } = error as { code?: string; message?: string };
  if (code === "EADDRINUSE")
    return `Port ${port} is in use: stop the other server (Ctrl-C), or use another --port.`;
  const netsh = "(Windows: netsh interface ipv4 show excludedportrange protocol=tcp)";
  if (code === "EACCES" && port > 1023)
    return `Port ${port} is reserved or blocked: try another ${netsh}.`;
  if (code === "EACCES")
    return `Port ${port} may need special privileges: use one above 1023, such as --port 1337.`;
  // An address not on this computer, or a name not found.
  if (message.startsWith("Failed to listen"))
    return `This computer has no address ${host}: use one of its own, or no --host.`;
  return `The server stopped: ${message}`;
}
/** Ctrl-C, SIGTERM, a closed terminal: close every connection in order (an end, not a reset). */
function stop(signal: "SIGINT" | "SIGTERM" | "SIGHUP"): void {
  console.error(`Stopped by ${signal === "SIGINT" ? "Ctrl-C" : signal}.`);
  clients.clear(); // so that their close handlers say nothing more
  server.stop(true); // and close every connection in order
  process.exit(128 + constants.signals[signal]);
}
/** The command line: --help prints the help (exit 0), a mistake the usage (exit 2). */
function readOptions() {
  const usage = "usage: bun server.ts [--host HOST] [--port PORT] [--keep-open [--max-clients N]]";
  const help = `${usage}
  --host HOST  0.0.0.0: every IPv4 address (default); 127.0.0.1: this computer only; :: or ::1: IPv6
  --port PORT  the port (default 1337); 0 picks a free one
  --keep-open  serve many clients at once until Ctrl-C, --max-clients N at most (100)`;
  try {
    const [text, flag] = [{ type: "string" }, { type: "boolean" }] as const;
    const options = { host: text, port: text, "keep-open": flag, "max-clients": text };
    const { values: v } = parseArgs({ options: { ...options, help: { ...flag, short: "h" } } });
    if (v.help) quit(0, help);
    const [keepOpen, most] = [v["keep-open"] === true, v["max-clients"]];
    if (most && !keepOpen) throw Error("--max-clients goes with --keep-open");
    const maxClients = whole(keepOpen ? (most ?? "100") : "1", 1, 1e5, "--max-clients");
    const port = whole(v.port ?? "1337", 0, 65535, "--port");
    return { host: checkHost(v.host ?? "0.0.0.0"), port, keepOpen, maxClients };
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
