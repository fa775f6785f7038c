#!/usr/bin/env bun
// Lesson 3's pair work starts here: server.ts's echo, for any number of clients at once.
// Each message is printed and answered "Got it!". Do the four steps of WALKTHROUGH.md
// ("From server.ts to the chat") where the comments say; chat-steps.ts has them done.
// It runs alone, copied to a computer with Bun:
//   bun chat-start.ts [--port PORT]          and for each person:
//   bun chat-client.ts [HOST] [--port PORT]
import { parseArgs } from "node:util";

// What each connection keeps: a decoder keeps a character split between two reads whole.
type Person = { decoder: TextDecoder };
const port = readPort(); // --port N; 1337 unless given

// Step 1 (everyone): make a Set of the connections here.

try {
  const server = Bun.listen<Person>({
    hostname: "0.0.0.0",
    port,
    socket: {
      open(conn) {
        conn.data = { decoder: new TextDecoder() };
        // Step 1: add conn to the set.
        console.log(`Connection from : ${conn.remoteAddress}`);
      },
      data(conn, bytes) {
        const text = conn.data.decoder.decode(bytes, { stream: true });
        // Step 3 (whole lines): keep what follows the last "\n" for the next read.
        // Step 4 (names): a connection's first line is its name.
        console.log(visible(text));
        // Step 2 (to the others): send the text to every other connection instead.
        conn.write("Got it!\n");
      },
      // Step 1: add close(conn) here, Bun's call when a connection ends: delete conn
      // from the set.
    },
  });
  console.error(`Listening on port ${server.port}; Ctrl-C stops.`);
} catch (problem) {
  console.error(`Cannot listen on port ${port}: ${(problem as Error).message}`);
  process.exit(1);
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
  const usage = "usage: bun chat-start.ts [--port PORT]";
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
