#!/usr/bin/env bun
// Lesson 3's client: sends each line you type (with its "\n"), and prints whatever the chat
// server sends, whenever it comes: not one reply per message, as client.ts waits for.
// It runs alone: copy this one file to each person's computer.
//   bun chat-client.ts [HOST] [--port PORT]
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

// Characters that control the terminal, or hide or reorder text (as in server.ts), and a
// fifth mark and more on one letter: "?".
const HIDDEN =
  /(?<=\p{M}{4})\p{M}|[[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}]--[\t\n]]/gv;
const LONGEST = 4096; // characters of a line from the server kept while it is still coming
const LONGEST_SENT = 4096; // bytes of a line typed or piped in: the chat takes no longer
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
    const help = { type: "boolean", short: "h" } as const;
    const parsed = parseArgs({ options: { port, help }, allowPositionals: true });
    if (parsed.values.help) {
      console.log(`${USAGE}\n  HOST    the chat server's address (default 127.0.0.1)`);
      process.exit(0);
    }
    return parsed;
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
for await (const line of input()) await sendLine(new TextEncoder().encode(`${line}\n`));
leaving = true;
chat.end(); // Ctrl-D: we are done

/** The lines typed or piped in; one longer than the chat takes ends the client. */
async function* input(): AsyncGenerator<string> {
  const tooLong = "A line over 4 KiB: the chat takes shorter lines.";
  let kept = 0; // bytes since the last "\n": /dev/zero is one endless line
  process.stdin.on("data", (chunk: Buffer) => {
    const end = chunk.lastIndexOf("\n");
    kept = end < 0 ? kept + chunk.length : chunk.length - end - 1;
    if (kept > LONGEST_SENT) quit(tooLong);
  });
  const how = { input: process.stdin, crlfDelay: Infinity, terminal: false };
  for await (const line of createInterface(how)) {
    if (Buffer.byteLength(line) > LONGEST_SENT) quit(tooLong);
    yield line;
  }
}

/**
 * A line from the server, in rows that fit the terminal, each drawn here: a person's line
 * ("Ana: ...") has the name at the start of every row, so no text, however padded, starts a
 * row of its own; the server's own lines ("* Ana joined") go on after two spaces. Widths
 * are counted the widest way a terminal draws them: beyond ASCII 2 columns, a tab 8.
 */
function show(line: string): void {
  const text = line.replace(HIDDEN, "?");
  const named = /^[\p{L}\p{N}][\p{L}\p{N} ._()-]{0,29}: /u.exec(text)?.[0] ?? "";
  const first = named || "";
  const next = named || "  ";
  const width = Math.max(20, (process.stdout.columns || 80) - columns(next));
  const body = text.slice(named.length);
  const rows: string[] = [];
  if (/^[\x20-\x7e]*$/.test(body)) {
    // Printable ASCII, most lines: a column a character, on every terminal.
    for (let at = 0; at < body.length || at === 0; at += width)
      rows.push(body.slice(at, at + width));
  } else {
    let row = "";
    let used = 0; // the row's columns
    for (const char of body) {
      const needs = columns(char);
      if (used + needs > width) {
        rows.push(row);
        row = "";
        used = 0;
      }
      row += char;
      used += needs;
    }
    rows.push(row);
  }
  console.log(rows.map((one, n) => (n === 0 ? first : next) + one).join("\n"));
}

/** Columns a terminal may give text, at most: ASCII 1, a tab 8, anything else 2. */
function columns(text: string): number {
  let sum = 0;
  for (const char of text) sum += char === "\t" ? 8 : /[\x20-\x7e]/.test(char) ? 1 : 2;
  return sum;
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
