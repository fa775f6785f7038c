#!/usr/bin/env bun
// Lesson 3's pair work, done: chat-start.ts with the four steps of WALKTHROUGH.md, each
// marked where it is. chat-server.ts goes further: unique names, a limit for one who never
// reads, a flooder slowed down, and the teacher's terminal never waited for.
//   bun chat-steps.ts [--port PORT]          and for each person:
//   bun chat-client.ts [HOST] [--port PORT]
import { parseArgs } from "node:util";
import type { Socket } from "bun";

// What each connection keeps: a decoder keeps a character split between two reads whole.
type Person = { decoder: TextDecoder; rest: string; name: string };
const port = readPort(); // --port N; 1337 unless given
const MAX_LINE = 4096; // characters of a line still coming, at most

// Step 1 (everyone): the connections, in a Set.
const people = new Set<Socket<Person>>();

try {
  const server = Bun.listen<Person>({
    hostname: "0.0.0.0",
    port,
    socket: {
      open(conn) {
        conn.data = { decoder: new TextDecoder(), rest: "", name: "" };
        // Step 1: add conn to the set.
        people.add(conn);
        console.log(`Connection from : ${conn.remoteAddress}`);
        conn.write("Type your name, then Enter.\n");
      },
      data(conn, bytes) {
        const text = conn.data.decoder.decode(bytes, { stream: true });
        // Step 3 (whole lines): what follows the last "\n" waits for the next read.
        const lines = (conn.data.rest + text).split("\n");
        conn.data.rest = lines.pop() ?? "";
        if (conn.data.rest.length > MAX_LINE) {
          conn.data.rest = ""; // kept no longer
          conn.end("A line over 4 KiB: goodbye.\n");
          return;
        }
        for (const line of lines) said(conn, visible(line.replace(/\r$/, "")));
      },
      close(conn) {
        // Step 1: delete conn from the set.
        people.delete(conn);
      },
    },
  });
  console.error(`Listening on port ${server.port}; Ctrl-C stops.`);
} catch (problem) {
  console.error(`Cannot listen on port ${port}: ${(problem as Error).message}`);
  process.exit(1);
}

/** A whole line from a person. */
function said(conn: Socket<Person>, line: string): void {
  // Step 4 (names): a connection's first line is its name.
  if (conn.data.name === "") {
    conn.data.name = line.trim().slice(0, 20) || "someone";
    return;
  }
  console.log(`${conn.data.name}: ${line}`);
  // Step 2 (to the others): the line goes to every other connection in the set.
  const bytes = Buffer.from(`${conn.data.name}: ${line}\n`);
  for (const other of people) {
    if (other === conn) continue;
    // A reader so far behind that the system takes no more is cut off, not sent half.
    if (other.write(bytes) < bytes.length) other.terminate();
  }
}

// What the server needs besides, below the lines you edit.

/** Characters that control the terminal, or hide or reorder text, print as "?". */
function visible(text: string): string {
  const hidden =
    /[[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}]--[\t\n]]/gv;
  return text.replace(hidden, "?");
}

/** The port: --port N, 1337 unless given. A mistake is one line and the usage (exit 2). */
function readPort(): number {
  const usage = "usage: bun chat-steps.ts [--port PORT]";
  let given = "1337";
  try {
    given = parseArgs({ options: { port: { type: "string", default: "1337" } } }).values.port;
  } catch (mistake) {
    console.error(`${(mistake as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (!/^\d{1,5}$/.test(given) || Number(given) > 65535) {
    console.error(`--port takes a whole number from 0 to 65535, not "${given}"\n${usage}`);
    process.exit(2);
  }
  return Number(given);
}
