#!/usr/bin/env bun
// Lesson 3's client: sends each line you type (with its "\n"), and prints whatever the chat
// server sends, whenever it comes: not one reply per message, as client.ts waits for.
// It runs alone: copy this one file to each person's computer.
//   bun chat-client.ts [HOST] [--port PORT]
import { parseArgs } from "node:util";

// Characters that control the terminal, or hide or reorder text (as in server.ts): "?".
const HIDDEN =
  /[[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}]--[\t\n]]/gv;
const LONGEST = 4096; // characters of a line from the server kept while it is still coming
const USAGE = "usage: bun chat-client.ts [HOST] [--port PORT]";

/** One line on standard error, and the end: 1 for the network, 2 for a mistyped command. */
function quit(line: string, code = 1): never {
  console.error(line);
  process.exit(code);
}
process.on("uncaughtException", (problem: Error & { code?: string }) => {
  if (problem.code === "ECONNREFUSED") quit("Nobody listens there: start the chat server first.");
  quit(`Stopped: ${problem.message}`);
});
const { values, positionals } = (() => {
  try {
    const port = { type: "string", default: "1337" } as const;
    return parseArgs({ options: { port }, allowPositionals: true });
  } catch (mistake) {
    return quit(`${(mistake as Error).message}\n${USAGE}`, 2);
  }
})();
if (!/^\d{1,5}$/.test(values.port) || Number(values.port) < 1 || Number(values.port) > 65535)
  quit(`--port takes a whole number from 1 to 65535, not "${values.port}"\n${USAGE}`, 2);
const host = positionals[0] ?? "127.0.0.1";
const numbers = /^[\d.]+$/.test(host); // digits and dots: meant as an address (1337 is not)
if (positionals.length > 1 || (numbers && !/^(\d+\.){3}\d+$/.test(host)))
  quit(`"${positionals.join(" ")}" is not one address, such as 192.168.1.20\n${USAGE}`, 2);

const decoder = new TextDecoder();
let rest = ""; // the start of a line still coming
let leaving = false; // we ended the input: the server's close is expected
let drained = () => {}; // wakes sendLine() when the socket can take more
const chat = await Bun.connect({
  hostname: host,
  port: Number(values.port),
  socket: {
    data(_socket, bytes) {
      const lines = (rest + decoder.decode(bytes, { stream: true })).split("\n");
      rest = lines.pop() ?? "";
      // A line longer than the chat allows is shown in pieces: memory stays bounded.
      if (rest.length > LONGEST) lines.push(rest);
      if (rest.length > LONGEST) rest = "";
      for (const line of lines) show(line);
    },
    drain: () => drained(),
    close() {
      if (rest !== "") show(rest); // its last words, even without a newline
      if (!leaving) console.error("The chat server closed the connection.");
      process.exit(leaving ? 0 : 1);
    },
  },
});
for await (const line of console) await sendLine(new TextEncoder().encode(`${line}\n`));
leaving = true;
chat.end(); // Ctrl-D: we are done

/**
 * A line from the server, in rows that fit the terminal: each row after the first starts
 * with two spaces, so a long line cannot wrap into one that looks like "Bob: ...".
 */
function show(line: string): void {
  const text = line.replace(HIDDEN, "?");
  const columns = process.stdout.columns || 80;
  const rows: string[] = [];
  if (/^[\x20-\x7e]*$/.test(text)) {
    for (let at = 0; at < text.length; at += columns - 2)
      rows.push(text.slice(at, at + columns - 2));
  } else {
    // Anything beyond ASCII may take two columns on some terminal: count it so.
    const chars = [...text];
    const width = Math.floor((columns - 2) / 2);
    for (let at = 0; at < chars.length; at += width)
      rows.push(chars.slice(at, at + width).join(""));
  }
  console.log(rows.join("\n  "));
}

/** Sends every byte of a line: write() sends what fits now, and drain says when to go on. */
async function sendLine(bytes: Uint8Array): Promise<void> {
  let unsent = bytes;
  while (unsent.length > 0) {
    const written = chat.write(unsent); // -1: closing
    if (written < 0) return;
    unsent = unsent.subarray(written);
    if (unsent.length > 0) await new Promise<void>((wake) => (drained = wake));
  }
}
