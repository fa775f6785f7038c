#!/usr/bin/env bun
// Lesson 3's client: sends each line you type (with its "\n"), and prints whatever the chat
// server sends, whenever it comes: not one reply per message, as client.ts waits for.
//   bun exercises/chat-client.ts [HOST] [--port PORT]
import { parseArgs } from "node:util";
import { oneLineErrors } from "./run-server";

// Characters that control the terminal, or hide or reorder text (as in server.ts): "?".
const HIDDEN =
  /[[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}\p{Default_Ignorable_Code_Point}]--[\t\n]]/gv;

oneLineErrors(); // nobody listening: one line, not a stack trace
const { values, positionals } = parseArgs({
  options: { port: { type: "string", default: "1337" } },
  allowPositionals: true,
});
const decoder = new TextDecoder();
let rest = ""; // the start of a line still coming
let leaving = false; // we ended the input: the server's close is expected
let drained = () => {}; // wakes sendLine() when the socket can take more
const chat = await Bun.connect({
  hostname: positionals[0] ?? "127.0.0.1",
  port: Number(values.port),
  socket: {
    data(_socket, bytes) {
      const lines = (rest + decoder.decode(bytes, { stream: true })).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) console.log(line.replace(HIDDEN, "?"));
    },
    drain: () => drained(),
    close() {
      if (!leaving) console.error("The chat server closed the connection.");
      process.exit(leaving ? 0 : 1);
    },
  },
});
for await (const line of console) await sendLine(new TextEncoder().encode(`${line}\n`));
leaving = true;
chat.end(); // Ctrl-D: we are done

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
