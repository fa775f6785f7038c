#!/usr/bin/env bun
// Lesson 3: from echo to chat. server.ts answers each message "Got it!"; this server sends
// each line to everyone else instead. Three ideas on top of server.ts:
//   1. messages end with "\n" (exercise 4), so a line is whole however the reads fall;
//   2. each client's first line is its name, and every line it sends goes out under it;
//   3. a client that does not read (its output waits) cannot make the server keep its
//      lines without end: past MAX_WAITING bytes it is disconnected, and the others told;
//   4. a flooder pays, not its readers: 10 lines a second go out from one person; the
//      rest wait, and while they wait the server reads no more from it (TCP then makes
//      the flooder's own writes wait).
// And what a class needs: names are unique, a line is 4 KiB at most in bytes and in
// characters, and the teacher's terminal stopped (Ctrl-S) stops nobody.
//   bun exercises/chat-server.ts [--port PORT]      then, for each person:
//   bun chat-client.ts [HOST] [--port PORT]          (that one file, copied)
import { closeSync, openSync } from "node:fs";
import { devNull } from "node:os";
import type { Socket } from "bun";
import { addressesForOthers } from "../depth/listening.ts";
import { output, print } from "../depth/output.ts";
import { label, MIN_TEXT, rowsOf, terminalWidth } from "../depth/projector.ts";
import { oneLineErrors, readPort } from "./run-server";

type Person = {
  name: string; // "" until the first line arrives
  rest: string; // the start of a line still coming
  decoder: TextDecoder; // bytes to text, a character split between reads kept whole
  waiting: Uint8Array[]; // what write() could not send yet, oldest first
  waitingBytes: number; // their total
  held: string[]; // whole lines from this person, waiting for their turn to go out
  second: number; // the second its lines are counted in (Date.now() / 1000)
  sent: number; // how many went out in that second
  timer: Timer | undefined; // set while lines are held: sends them in the next second
};
const MAX_LINE = 4096; // bytes of one line, at most: a terminal cuts a typed line there too
const MAX_WAITING = 64 * 1024; // bytes waiting for one slow reader, at most
const MAX_NAME = 20; // characters of a name
const LINES_A_SECOND = 10; // from one person: more than anyone types, or a pasted verse
const SHOWN_ROWS = 2; // rows of one line on the teacher's screen, at most
// Characters that control the terminal, or hide or reorder text (as in server.ts), and a
// fifth mark and more on one letter: "?".
const HIDDEN =
  /(?<=\p{M}{4})\p{M}|[[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}]--[\t\n]]/gv;

oneLineErrors(); // a port in use: one line, not a stack trace
const { port } = readPort("usage: bun exercises/chat-server.ts [--port PORT]", true);
const people = new Set<Socket<Person>>();
const server = Bun.listen<Person>({
  hostname: "0.0.0.0",
  port,
  socket: {
    open(conn) {
      const turns = { held: [], second: 0, sent: 0, timer: undefined };
      conn.data = {
        ...turns,
        name: "",
        rest: "",
        decoder: new TextDecoder(),
        waiting: [],
        waitingBytes: 0,
      };
      // The last file descriptor is kept free: without it Bun would try to accept the
      // next connection again and again, at full speed.
      try {
        closeSync(openSync(devNull, "r"));
      } catch {
        output(2, "No file descriptor left for a newcomer: raise ulimit -n.");
        conn.end("The chat is full: try again later.\n");
        return;
      }
      people.add(conn);
      send(conn, "Welcome! Type your name, then Enter.");
    },
    data(conn, bytes) {
      const lines = (conn.data.rest + conn.data.decoder.decode(bytes, { stream: true })).split(
        "\n",
      );
      conn.data.rest = lines.pop() ?? ""; // no "\n" yet: the line goes on in the next read
      // 4 KiB, whether counted in characters or in bytes (a CJK character is 3 bytes).
      const long = (line: string) => line.length > MAX_LINE || Buffer.byteLength(line) > MAX_LINE;
      if ([...lines, conn.data.rest].some(long)) return bye(conn, "sent a line longer than 4 KiB");
      for (const line of lines) conn.data.held.push(line.replace(/\r$/, "").replace(HIDDEN, "?"));
      inTurn(conn);
    },
    drain: flush, // the slow reader read some: send what waits
    close: left, // they left, or their connection broke
  },
});
output(2, banner(server.port));

/** Where the chat listens, and the command each person types: in their folder, or here. */
function banner(port: number): string {
  const portOption = port === 1337 ? "" : ` --port ${port}`;
  const lines = [`Chat on port ${port}; Ctrl-C stops.`];
  lines.push("Each person types, in the folder with chat-client.ts:");
  for (const { via, address } of addressesForOthers())
    lines.push(`  over ${via}: bun chat-client.ts ${address}${portOption}`);
  lines.push(`  on this computer: bun exercises/chat-client.ts${portOption}`);
  return lines.join("\n");
}

/**
 * Sends a person's held lines, 10 a second. While some wait, the server reads no more
 * from them: what they send waits in their own computer, and only they are slowed.
 */
function inTurn(conn: Socket<Person>): void {
  const second = Math.floor(Date.now() / 1000);
  if (second !== conn.data.second) Object.assign(conn.data, { second, sent: 0 });
  while (conn.data.held.length > 0 && conn.data.sent < LINES_A_SECOND) {
    if (said(conn, conn.data.held.shift()!)) conn.data.sent++;
  }
  conn.data.timer = undefined;
  if (conn.data.held.length === 0) {
    conn.resume();
    return;
  }
  conn.pause();
  conn.data.timer = setTimeout(() => inTurn(conn), 1000 - (Date.now() % 1000));
}

/** One whole line from a person: its name first, then its messages to all the others. */
function said(conn: Socket<Person>, line: string): boolean {
  if (line.trim() === "") return false; // nothing to say, nothing counted
  if (conn.data.name === "") {
    conn.data.name = uniqueName(nameOf(line));
    send(conn, `Hello, ${conn.data.name}. ${people.size - 1} other(s) here.`);
    everyone(`* ${conn.data.name} joined`, conn);
    return true;
  }
  show(conn.data.name, line);
  everyone(`${conn.data.name}: ${line}`, conn);
  return true;
}

/**
 * A line on the teacher's screen, in rows drawn here, each starting with the sender's name
 * (widths counted the widest way a terminal draws them: depth/projector.ts), so no text,
 * however padded, starts a row of its own; two rows at most, and how much more there was.
 */
function show(name: string, line: string): void {
  const width = terminalWidth() - name.length - 2; // for text, beside "NAME: "
  if (width < MIN_TEXT) {
    print(`${label(name)}: (a line: widen the terminal to read it)`);
    return;
  }
  let rows = 0;
  for (const row of rowsOf(line, width, (text) => text)) {
    if (rows === SHOWN_ROWS) {
      print(`${label(name)}: ... (${[...line.slice(row.start)].length} more characters)`);
      return;
    }
    print(`${label(name)}: ${row.text}`);
    rows++;
  }
}

/** A name as typed, made plain: letters, digits, spaces, dots, dashes (no ":" nor "*"). */
function nameOf(typed: string): string {
  const plain = typed.replace(/[^\p{L}\p{N} ._-]/gu, "").trim();
  return plain.replace(/^[^\p{L}\p{N}]+/u, "").slice(0, MAX_NAME) || "someone";
}

/** A name nobody here has: the one typed, or the one typed with (2), (3), ... after it. */
function uniqueName(typed: string): string {
  const taken = new Set([...people].map((person) => person.data.name));
  let name = typed;
  for (let n = 2; taken.has(name); n++) name = `${typed} (${n})`;
  return name;
}

/** A line to everyone who has a name, but `from`. */
function everyone(line: string, from: Socket<Person>): void {
  for (const other of people) if (other !== from && other.data.name) send(other, line);
}

/** A line to one person; what write() cannot send now waits, up to MAX_WAITING. */
function send(conn: Socket<Person>, line: string): void {
  const bytes = new TextEncoder().encode(`${line}\n`);
  conn.data.waiting.push(bytes);
  conn.data.waitingBytes += bytes.length;
  if (conn.data.waitingBytes > MAX_WAITING) bye(conn, "was too slow to read");
  else if (conn.data.waiting.length === 1) flush(conn); // else a flush is under way
}

/** Writes what waits until the socket is full (then Bun calls drain) or nothing waits. */
function flush(conn: Socket<Person>): void {
  while (conn.data.waiting.length > 0) {
    const head = conn.data.waiting[0]!;
    const written = conn.write(head);
    // -1: the person is gone (their computer reset the connection). Bun may never call
    // close() for a socket we paused, so they leave here; what waits for them is dropped.
    if (written < 0) {
      left(conn);
      conn.terminate();
      return;
    }
    conn.data.waitingBytes -= written;
    if (written < head.length) {
      conn.data.waiting[0] = head.subarray(written);
      return;
    }
    conn.data.waiting.shift();
  }
}

/** A person left (or was found gone): the others are told, once. */
function left(conn: Socket<Person>): void {
  clearTimeout(conn.data.timer);
  Object.assign(conn.data, { waiting: [], waitingBytes: 0 });
  const wasHere = people.delete(conn); // not if bye() sent it away
  if (wasHere && conn.data.name) everyone(`* ${conn.data.name} left`, conn);
}

/** Disconnects one person, and tells the others why. */
function bye(conn: Socket<Person>, why: string): void {
  people.delete(conn); // at once: nothing more is sent to it
  const name = conn.data.name || "someone";
  output(2, `${name} ${why}: disconnected.`);
  everyone(`* ${name} ${why}, and was disconnected`, conn);
  conn.terminate(); // what waits for it is dropped: the point of the limit
}
