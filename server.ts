#!/usr/bin/env bun
// server.ts: the tutorial's server on Bun (https://bun.sh/docs/api/tcp).
//   bun server.ts              waits for one client and prints what it sends
//   bun server.ts --keep-open  serves a whole class (with the folder depth/)
// Each "Step N" below quotes the tutorial's Python; WALKTHROUGH.md explains it.

// Step 1: import the socket module
// import socket
// Bun.listen is built into Bun; writeSync() is the heart of Python's print().
import { writeSync } from "node:fs";
import type { Socket, TCPSocketListener } from "bun";

const say = (line: string) => print(line, 2); // not the tutorial's output
const { host, port, ...more } = await readOptions(); // the command line
let client: Socket<Sending> | undefined; // the one client, as in the tutorial
let turnedAway = 0; // clients turned away while it was served
const decoder = new TextDecoder(); // keeps half a character until the rest

// Step 2: create a TCP socket
// s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
// Step 3: bind it to an address and a port
// s.bind(('', 1337))
// Step 4: listen for connections
// s.listen()
// Bun does all three in one call. Python's '' is "0.0.0.0": every address.
// The functions in `events` are the ones Bun calls when something happens.
let events = {
  open: onOpen, // a client has connected
  data: onData, // bytes have arrived
  drain: flush, // there is room to send what write() could not
  close: onClose, // the connection is gone
};
// With --keep-open, loading depth/class-server.ts serves the class instead.
if (more.keepOpen) await depth("class-server", true);
// With --trace, depth/trace.ts wraps each function (20 calls a second told).
const trace = more.trace ? await depth("trace", true) : undefined;
if (trace) events = trace.traced(events);
const listening = await depth("listening"); // to say how to connect, or not
let server: TCPSocketListener<Sending>;
try {
  server = Bun.listen<Sending>({ hostname: host, port, socket: events });
} catch (problem) {
  const alone = `${problem}: is port ${port} taken? Try another --port.`;
  quit(1, listening?.cannotListen(problem, host, port) ?? alone);
}
say(listening?.banner(host, server.port) ?? `Listening on port ${server.port}`);

// Step 5: accept a connection
// conn, addr = s.accept() # Blocks!
// Python waits for a client here; Bun calls onOpen() when one connects.
function onOpen(conn: Socket<Sending>) {
  // The address, read once: a client that has reset already has none.
  const address = conn.remoteAddress?.replace(/^::ffff:(?=\d)/, "");
  if (!address) return say("A client reset its connection before it began.");
  if (client !== undefined) return turnAway(conn, address); // one at a time
  client = conn;
  conn.setKeepAlive(true, 10_000); // a laptop gone (lid shut) is found out
  // Step 6: print who connected
  // print('Connection from : ' + addr[0])
  print("Connection from : " + address);
}

// Step 7: receive data
// while True:
//     data = conn.recv(1024) # Blocks!
// No loop to write: Bun calls onData() with each chunk of bytes.
function onData(conn: Socket<Sending>, bytes: Uint8Array): void {
  // Read no more until this chunk is answered, as Python does.
  conn.pause();
  // Step 8: stop when the client has finished
  //     if not data:
  //         break
  // A chunk is never empty: when the client has finished, Bun calls onClose().
  // Step 9: print the message
  //     print(data.decode())
  print(visible(decoder.decode(bytes, { stream: true })));
  // Step 10: reply "Got it!"
  //     conn.sendall(b'Got it!')
  // Once it is sent, read the next chunk, as Python's loop goes round.
  sendAll(conn, Buffer.from("Got it!")).then(() => conn.resume());
}
/** The connection is gone: the tutorial's program ends after its loop. */
function onClose(conn: Socket<Sending>, problem?: Error): void {
  if (conn !== client) return; // one that was turned away
  const rest = decoder.decode(); // a character the client cut short: U+FFFD
  if (rest !== "") print(visible(rest));
  if (problem) say(`The client left abruptly (${problem.message}).`);
  if (turnedAway > 1) say(`(${turnedAway - 1} more turned away: not shown.)`);
  process.exit(problem ? 1 : 0);
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
/** Python's print(): a line on standard output (fd 1), or error (fd 2). */
function print(line: string, fd = 1): void {
  try {
    writeSync(fd, line + "\n"); // waits for the terminal, as Python does
  } catch (problem) {
    const { code } = problem as { code?: string }; // EPIPE: | head has ended
    if (fd === 1 && code !== "EPIPE") quit(1, `Output failed (${code}).`);
  }
}
/** Hidden characters (not emoji, nor up to 4 accents) show as codes: \u{1b}. */
function visible(text: string): string {
  const hidden =
    /(\p{RGI_Emoji})|(?<=\p{M}{4})\p{M}|[[\p{C}\p{Zl}\p{Zp}\p{DI}]--[\t\n]]/gv;
  const code = (char: string) => char.codePointAt(0)!.toString(16);
  return text.replace(hidden, (found, emoji) => emoji ?? `\\u{${code(found)}}`);
}
/** Another client: tell it that the server is busy, and close in order. */
function turnAway(conn: Socket<Sending>, address: string) {
  const busy = "the server is busy with another client";
  turnedAway++; // the first is said, the others counted (onClose)
  if (turnedAway === 1) say(`Turned away ${address}: ${busy}.`);
  conn.end("The server is busy with another client: try again later.");
}
/** The command line: depth/options.ts knows every option; alone, --port N. */
async function readOptions() {
  const args = process.argv.slice(2); // alone: none, or --port and a number
  const [option = "--port", port = args.length ? "" : "1337", ...rest] = args;
  const inRange = /^\d{1,5}$/.test(port) && Number(port) <= 65535;
  const alone = option === "--port" && inRange && !rest.length;
  const options = await depth("options", !alone); // needed for more than that
  if (options) return options.serverOptions(process.argv.slice(2));
  return { host: "0.0.0.0", port: Number(port) };
}
/** A module of the folder depth/, if it is here (if `needed`, else exit). */
async function depth(name: string, needed = false) {
  const path = `${import.meta.dir}/depth/${name}.ts`;
  if (await Bun.file(path).exists()) return import(path);
  if (needed) quit(2, "Alone, server.ts takes only --port N: copy depth/.");
}
/** One line on standard error, and the end: 1 for the network, 2 usage. */
function quit(code: number, line: string): never {
  console.error(line);
  process.exit(code);
}
