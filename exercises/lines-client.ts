#!/usr/bin/env bun
// The pair of lines-server.ts. Compare with client.ts: each message is sent with its "\n",
// and a reply counts only once its "\n" has arrived. To see why it matters, it also sends
// three messages at once, as one write: the server still tells them apart.
//   bun exercises/lines-client.ts [--port PORT]
import { parseArgs } from "node:util";
import { giveUpAfter, oneLineErrors } from "./run-server";

oneLineErrors(); // nobody listening, a mistyped option: one line, not a stack trace
// server.ts answers "Got it!" with no newline: a reply that never ends, here.
giveUpAfter("No whole reply (ending in a newline): is it lines-server.ts that runs there?");
const { values } = parseArgs({ options: { port: { type: "string", default: "1337" } } });
let received = "";
let wake = () => {};
const s = await Bun.connect({
  hostname: "127.0.0.1",
  port: Number(values.port),
  socket: {
    data(_s, bytes) {
      received += new TextDecoder().decode(bytes);
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
console.log("Each message got its own reply: the newline marks where a message ends.");
