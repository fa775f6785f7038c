#!/usr/bin/env bun
// The pair of lines-server.ts. Compare with client.ts: each message is sent with its "\n",
// and a reply counts only once its "\n" has arrived. To see why it matters, it also sends
// three messages at once, as one write: the server still tells them apart.
//   bun exercises/lines-client.ts [--port PORT]
import { giveUpAfter, oneLineErrors, readPort } from "./run-server";

oneLineErrors(); // nobody listening: one line, not a stack trace
// server.ts answers "Got it!" with no newline: a reply that never ends, here.
const notLines = "No whole reply (ending in a newline): is it lines-server.ts that runs there?";
giveUpAfter(notLines);
const { port } = readPort("usage: bun exercises/lines-client.ts [--port PORT]", false);
const LONGEST = 64 * 1024; // characters of replies kept while no newline comes
let received = "";
let wake = () => {};
const s = await Bun.connect({
  hostname: "127.0.0.1",
  port,
  socket: {
    data(_s, bytes) {
      received += new TextDecoder().decode(bytes);
      // A server that never sends a newline would fill the memory: give up at once.
      if (received.length > LONGEST && !received.includes("\n")) {
        console.error(notLines);
        process.exit(1);
      }
      wake();
    },
  },
});
/** Waits until `n` whole replies (each ending in "\n") have arrived, and takes them. */
async function replies(n: number): Promise<string[]> {
  while (received.split("\n").length - 1 < n) await new Promise<void>((r) => (wake = r));
  const lines = received.split("\n");
  received = lines.slice(n).join("\n");
  return lines.slice(0, n);
}

s.write("one\ntwo\nthree\n"); // three messages in one write
console.log(`Three messages in one write: ${(await replies(3)).join(" / ")}`);
for (const line of ["hello", "how are you?"]) {
  s.write(`${line}\n`);
  console.log(`${line}: ${(await replies(1))[0]}`);
}
s.end();
console.log("Compare with client.ts and server.ts: what does the newline at the end buy?");
