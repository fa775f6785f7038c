#!/usr/bin/env bun
// server.ts: the sockets tutorial's server, on Bun.
//
//   bun server.ts                   wait for one client on port 1337, as the tutorial
//   bun server.ts --port 5000       use another port (--port 0 picks a free one)
//   bun server.ts --host 127.0.0.1  accept clients from this computer only
//   bun server.ts --keep-open       serve the whole class at once, until Ctrl-C
//
// Then start the client in a second terminal: bun client.ts (bun server.ts --help
// lists every option.)
//
// This is the tutorial's "Server" section, step by step: each step below is named
// ("Step 3: ...", as in WALKTHROUGH.md) and quotes the Python it stands for. Python's socket calls wait ("Blocks!") until something
// happens. Bun's never wait: instead Bun calls our handlers when something happens:
// open (a client connected), data (bytes arrived), drain (a full socket has room
// again), end (the client has sent its last byte), close (the connection is gone).
//
// Bun's TCP sockets: https://bun.sh/docs/api/tcp

import type { Socket } from "bun";
import { networkInterfaces } from "node:os";

const { host, port, keepOpen, maxClients } = readOptions();
const GOT_IT = new TextEncoder().encode("Got it!");
const clients = new Set<Socket<Connection>>();
let exitCode = 0; // what the server exits with once its client is gone

// Where Python would print a traceback, print one line that says what to do.
process.on("uncaughtException", (error) => giveUp(explain(error)));
// Ctrl-C (SIGINT) or SIGTERM: close every connection in order, then stop.
process.on("SIGINT", () => stop("Ctrl-C", 130));
process.on("SIGTERM", () => stop("SIGTERM", 143));

// Step 1: import the socket module
// import socket
// Nothing to import: Bun.listen is built into Bun.

// Step 2: create a TCP socket
// s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
// Step 3: bind it to an address and a port
// s.bind(('', 1337))
// Step 4: listen for connections
// s.listen()
// Bun does all three in one call. Python's '' is "0.0.0.0" (our default host):
// every IPv4 address of this computer, so other computers can connect too.
const server = Bun.listen<Connection>({
  hostname: host,
  port,
  allowHalfOpen: true, // keep replying after the client has sent its last message
  socket: {
    // Step 5: accept a connection
    // conn, addr = s.accept() # Blocks!
    // Bun calls open() for each client that connects; conn is the socket to talk to it.
    open(conn) {
      const name = hostAndPort(address(conn), conn.remotePort);
      conn.data = { unsent: [], decoder: new TextDecoder(), replied: Promise.resolve(), name };
      if (clients.size >= maxClients) return turnAway(conn);
      clients.add(conn);
      if (!keepOpen) server.stop(); // like the tutorial, serve one client: refuse others
      // Step 6: print who connected
      // print('Connection from : ' + addr[0])
      console.log("Connection from : " + address(conn));
    },

    // Step 7: receive data
    // while True:
    //     data = conn.recv(1024) # Blocks!
    // There is no loop to write: Bun calls data() below with each chunk of bytes as it
    // arrives, and end() once the client has finished sending.

    // Step 8: stop when the client has finished
    //     if not data:
    //         break
    end(conn) {
      if (clients.has(conn)) show(conn, conn.data.decoder.decode()); // a character cut short
      // The client has sent its last message: finish replying, then hang up.
      conn.data.replied.then(() => conn.end());
    },

    data(conn, data) {
      if (!clients.has(conn)) return; // turned away: whatever it sends is not for us
      // Step 9: print the message
      //     print(data.decode())
      show(conn, conn.data.decoder.decode(data, { stream: true }));
      // Step 10: reply "Got it!"
      //     conn.sendall(b'Got it!')
      conn.data.replied = sendAll(conn, GOT_IT);
      // Like Python, read nothing more from this client until the reply has gone out.
      if (conn.data.unsent.length > 0) pauseUntilSent(conn);
    },
    drain: flush, // the socket has room again: send what sendAll left waiting

    // The connection is gone: where the tutorial's program ends, after its loop.
    close(conn, error) {
      if (!clients.delete(conn)) return; // one we turned away
      if (keepOpen) return leftTheClass(conn, error);
      if (error) giveUp(`The client left abruptly (${error.message}).`);
      process.exit(exitCode);
    },
  },
});
announce();

// ---------------------------------------------------------------------------------
// What Python gives for free, and Bun leaves to us.

/** What the server keeps for each connection. */
type Connection = {
  unsent: Unsent[];
  decoder: TextDecoder;
  replied: Promise<void>; // the last "Got it!", once it is sent
  name: string; // address:port, who this is in the --keep-open output
};

/** The client's IP address, as the tutorial's addr[0]; IPv4 in its plain form. */
function address(conn: Socket<Connection>): string {
  return conn.remoteAddress.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
}

/**
 * Prints text received from a client, as the tutorial's print() does. With --keep-open
 * each line starts with who sent it, so the teacher sees who said what.
 */
function show(conn: Socket<Connection>, text: string): void {
  if (text === "") return;
  if (!keepOpen) return console.log(visible(text));
  const lines = text.endsWith("\n") ? text.slice(0, -1) : text;
  for (const line of lines.split("\n")) console.log(`${conn.data.name}: ${visible(line)}`);
}

/** Stops reading from a client until its replies are sent: Python's blocking sendall. */
function pauseUntilSent(conn: Socket<Connection>): void {
  conn.pause();
  conn.data.replied.then(() => conn.resume());
}

/** Over --max-clients: say why, then hang up. */
function turnAway(conn: Socket<Connection>): void {
  const many = maxClients === 1 ? "one client at a time" : `${maxClients} clients at a time`;
  const notice = new TextEncoder().encode(`The server is full (it serves ${many}): try again later.`);
  sendAll(conn, notice).then(() => conn.shutdown());
  console.error(`Turned away ${conn.data.name}: the server is full (${many}).`);
}

/** With --keep-open, a client leaving is news for the teacher, not the end. */
function leftTheClass(conn: Socket<Connection>, error?: Error): void {
  const how = error ? `left abruptly (${error.message})` : "left";
  console.error(`${conn.data.name} ${how}; ${clients.size} connected.`);
}

/** The status lines on standard error: where the server is, and how to reach it. */
function announce(): void {
  const where = hostAndPort(host, server.port);
  const who = keepOpen ? `serving up to ${maxClients} clients at once; Ctrl-C stops` : "waiting for a client";
  const lines = [`Listening on ${where}, ${who}.`];
  const portOption = server.port === 1337 ? "" : ` --port ${server.port}`;
  if (host === "127.0.0.1" || host === "::1" || host === "localhost") {
    const self = `bun client.ts${host === "::1" ? " ::1" : ""}${portOption}`;
    lines.push(`Only this computer can connect (${self}); other computers cannot.`);
  } else if (host === "0.0.0.0" || host === "::") {
    lines.push(`On this computer: bun client.ts${portOption}`);
    const others = ownAddresses(host === "::");
    for (const ip of others) lines.push(`From another computer: bun client.ts ${ip}${portOption}`);
    if (others.length === 0) lines.push("This computer has no address other computers can use: is it on a network?");
    else lines.push(`(A firewall on this computer may have to allow TCP port ${server.port}.)`);
  }
  console.error(lines.join("\n")); // one write, so that nobody reads half of it
}

/** This computer's addresses that other computers can use (not loopback, not link-local). */
function ownAddresses(withIPv6: boolean): string[] {
  const found: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const { address, family, internal } of list ?? []) {
      if (internal) continue;
      if (family === "IPv4") found.push(address);
      else if (withIPv6 && !address.toLowerCase().startsWith("fe80:")) found.push(address);
    }
  }
  return found;
}

/** Turns an error into one line that says what happened and what to do. */
function explain(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  if (code === "EADDRINUSE")
    return `Port ${port} is already in use: stop the other server (Ctrl-C in its terminal) or choose another port with --port.`;
  if (code === "EACCES")
    return `This computer does not let this program use port ${port} (ports up to 1023 need special privileges): use a port above 1023, such as --port 1337.`;
  // Any other failure to listen: an address not on this computer (EADDRNOTAVAIL), or a
  // name that does not resolve (Bun gives that one no code, only its message).
  if (code === "EADDRNOTAVAIL" || message?.startsWith("Failed to listen"))
    return `This computer has no address ${host}: use one of its own addresses with --host, or leave --host out.`;
  return `The server stopped: ${message ?? String(error)}`;
}

/** Prints one line on standard error and exits 1: a network problem. */
function giveUp(line: string): never {
  console.error(line);
  process.exit(1);
}

/** Closes every connection in order (a client sees an end, not a reset) and exits. */
function stop(why: string, code: number): never {
  console.error(`Stopped by ${why}.`);
  exitCode = code;
  server.stop();
  for (const conn of clients) conn.end(); // its close handler exits with exitCode
  process.exit(exitCode);
}

/** Reads the options; --help prints them (exit 0), a mistake prints the usage (exit 2). */
function readOptions(): { host: string; port: number; keepOpen: boolean; maxClients: number } {
  const usage = "usage: bun server.ts [--host HOST] [--port PORT] [--keep-open [--max-clients N]] [--help]";
  try {
    const { options, positionals } = readArgs(["keep-open", "help"], ["host", "port", "max-clients"]);
    if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
    if (options.has("help")) {
      console.log(help(usage));
      process.exit(0);
    }
    const keepOpen = options.has("keep-open");
    if (options.has("max-clients") && !keepOpen) throw new Error("--max-clients goes with --keep-open");
    const maxClients = keepOpen ? Number(options.get("max-clients") ?? "100") : 1;
    if (!Number.isInteger(maxClients) || maxClients < 1)
      throw new Error(`--max-clients takes a whole number above 0, not "${options.get("max-clients")}"`);
    return { host: options.get("host") ?? "0.0.0.0", port: parsePort(options.get("port") ?? "1337"), keepOpen, maxClients };
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
}

/** What --help prints. */
function help(usage: string): string {
  return `The sockets tutorial's server: prints what clients send and answers each message "Got it!".

${usage}

Options:
  --host HOST        the address to listen on (default 0.0.0.0: every IPv4 address, as
                     the tutorial's ''); 127.0.0.1 for this computer only; :: for IPv6
                     and IPv4 together; ::1 for IPv6 on this computer only
  --port PORT        the port (default 1337); 0 picks a free one
  --keep-open        serve many clients at once, and keep running when they leave
  --max-clients N    with --keep-open: how many at once (default 100); others are told
                     the server is full
  -h, --help         this help

Examples:
  bun server.ts                        one client, as in the tutorial
  bun server.ts --host 127.0.0.1       only from this computer
  bun server.ts --keep-open            the whole class at once; Ctrl-C stops it

Exit status: 0 done, 1 network problem, 2 usage mistake, 130 Ctrl-C, 143 SIGTERM.`;
}

// ---------------------------------------------------------------------------------
// The helpers below are the same in server.ts and client.ts (a test checks).

/** A port is a whole number from 0 to 65535 (0: let the system choose). */
function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`--port takes a number from 0 to 65535, not "${text}"`);
  return port;
}

/** A host and port as people type them: 10.0.0.5:1337, or [::1]:1337 for IPv6. */
function hostAndPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The command line, read as Python's argparse would: "--name VALUE" and "--name=VALUE"
 * for the names in `named`, the names in `flags` alone ("-h" is "--help"), and the rest
 * as positionals. A mistake throws, for the usage message.
 */
function readArgs(flags: string[], named: string[]): { options: Map<string, string>; positionals: string[] } {
  const options = new Map<string, string>();
  const positionals: string[] = [];
  const args = process.argv.slice(2);
  while (args.length > 0) {
    const arg = args.shift()!;
    if (!arg.startsWith("-")) {
      positionals.push(arg);
      continue;
    }
    const [name = "", value] = arg === "-h" ? ["help"] : arg.replace(/^--/, "").split(/=(.*)/s);
    if (flags.includes(name) && value === undefined) {
      options.set(name, "");
    } else if (named.includes(name)) {
      const given = value ?? args.shift();
      if (given === undefined || given.startsWith("--")) throw new Error(`--${name} needs a value`);
      options.set(name, given);
    } else {
      throw new Error(`unknown option ${arg}`);
    }
  }
  return { options, positionals };
}

/**
 * Text from the other side, safe to print: terminal control codes (escape sequences
 * that clear the screen or set the title, BEL, backspace, NUL, ...) become visible
 * escapes such as \x1b[2J instead of acting on the terminal. Newline and tab stay.
 */
function visible(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** Bytes that socket.write() could not send yet, and what to do once they are sent. */
type Unsent = { bytes: Uint8Array; sent: () => void };

/**
 * Python's sendall(): send every byte. Bun's write() sends what fits right now and
 * returns how many bytes that was; the rest waits in the socket's queue, and flush()
 * sends it when Bun calls drain. The promise settles once every byte is sent.
 */
function sendAll(socket: Socket<{ unsent: Unsent[] }>, bytes: Uint8Array): Promise<void> {
  return new Promise((sent) => {
    socket.data.unsent.push({ bytes, sent });
    if (socket.data.unsent.length === 1) flush(socket);
  });
}

/** Writes the queue's bytes in order until the socket is full or the queue is empty. */
function flush(socket: Socket<{ unsent: Unsent[] }>): void {
  const queue = socket.data.unsent;
  while (queue[0]) {
    const head = queue[0];
    const written = socket.write(head.bytes);
    if (written < 0) {
      // The socket is closing: nothing more can go out. Let whoever waits for these
      // bytes go on (the server resumes reading, and so hears of the close).
      for (const { sent } of queue.splice(0)) sent();
      return;
    }
    head.bytes = head.bytes.subarray(written);
    if (head.bytes.length > 0) return; // full: drain will call flush again
    queue.shift();
    head.sent();
  }
}
