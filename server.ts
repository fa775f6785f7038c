#!/usr/bin/env bun
// server.ts: the tutorial's server on Bun; WALKTHROUGH.md explains each Step.
//   bun server.ts [--port N]   waits for one client and prints what it sends
//   bun server.ts --keep-open  serves a whole class (with the folder depth/)

// Step 1: import the socket module
// import socket
// Bun.listen is built in (bun.sh/docs/api/tcp); writeSync() is print()'s heart.
import { existsSync, writeSync } from "node:fs";
import type { Socket } from "bun";

// Step 2: create a TCP socket
// s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
// Step 3: bind it to an address and a port
// s.bind(('', 1337))
// Step 4: listen for connections
// s.listen()
// Bun does all three in one call, Bun.listen() (in listen(), below); it calls
// the `events` functions when something happens. --keep-open: depth/'s class.
const options = await readOptions(); // the address and the port: '', 1337
const events = { open: onOpen, data: onData, drain: flush, close: onClose };
if (options.keepOpen) await options.depth.serveClass(options);
else listen(events);

// Step 5: accept a connection
// conn, addr = s.accept() # Blocks!
// Python waits for a client here; Bun calls onOpen() when one connects.
function onOpen(conn: Socket<Sending>): void {
  // The address, read once: a client that has reset already has none.
  const address = conn.remoteAddress?.replace(/^::ffff:(?=\d)/, "");
  if (address === undefined || client !== undefined) {
    turnAway(conn, address); // gone already, or one at a time
    return;
  }
  client = conn;
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
  if (problem) console.error(`The client left abruptly (${problem.message}).`);
  if (turnedAway > 1) console.error(`(${turnedAway - 1} more turned away.)`);
  process.exit(problem ? 1 : 0);
}
let client: Socket<Sending> | undefined; // the one client, as in the tutorial
let turnedAway = 0; // other clients: the first is said, the others counted
const decoder = new TextDecoder(); // keeps half a character until the rest
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
/** Another client while one is served: told the server is busy, and closed. */
function turnAway(conn: Socket<Sending>, address?: string): void {
  const busy = `Turned away ${address}: busy with another client.`;
  const reset = "A client reset its connection before it began.";
  if (turnedAway === 0) console.error(address ? busy : reset); // later: counted
  turnedAway++;
  conn.end("The server is busy with another client: try again later.");
}
/** Bun.listen(), with what depth/ adds if it is here; a failure is one line. */
function listen(handlers: typeof events): void {
  const { host, named, port, trace, depth } = options;
  try {
    const socket = depth?.sturdier(handlers, trace) ?? handlers; // keepalive
    const server = Bun.listen<Sending>({ hostname: host, port, socket });
    const alone = `Listening on port ${server.port}`;
    console.error(depth?.banner(named, server.port) ?? alone);
  } catch (problem) {
    const { code } = problem as { code?: string }; // EADDRINUSE: port taken
    const alone = `Port ${port} cannot be used (${code}): try another --port.`;
    quit(1, depth?.cannotListen(problem, host, port) ?? alone);
  }
}
/** The command line: depth/ reads every option; alone, only --port N. */
async function readOptions() {
  const args = process.argv.slice(2);
  // depth/ may be missing, broken (its import throws) or empty: then alone.
  const depth = await import("./depth/server-extras.ts").catch(() => null);
  if (depth?.serverOptions)
    return { ...(await depth.serverOptions(args)), depth };
  if (args.length === 0) args.push("--port", "1337"); // the tutorial's port
  const [option, port = "", ...more] = args;
  const valid = /^\d{1,5}$/.test(port) && Number(port) <= 65535;
  if (option !== "--port" || !valid || more.length > 0)
    quit(2, "Alone, server.ts takes only --port N: copy depth/.");
  const broken = "depth/ is here, but incomplete or broken: copy it again.";
  if (existsSync(`${import.meta.dir}/depth`)) console.error(broken);
  const one = { keepOpen: false as const, trace: false, depth: undefined };
  return { host: "0.0.0.0", named: "0.0.0.0", port: Number(port), ...one };
}
/** One line on standard error, and the end: 1 for the network, 2 usage. */
function quit(code: number, line: string): never {
  console.error(line);
  process.exit(code);
}
