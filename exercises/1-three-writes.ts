#!/usr/bin/env bun
// Exercise 1: three messages sent quickly, one right after the other. What does the server
// see? Run it the same way in any terminal (PowerShell, cmd.exe, bash, zsh):
//   bun exercises/1-three-writes.ts
// It starts server.ts on a free port itself, so no other server needs to run.
import { giveUpAfter, runServer } from "./run-server";

const { proc: server, port } = await runServer();
let replies = "";
const closed = Promise.withResolvers<void>();
const socket = await Bun.connect({
  hostname: "127.0.0.1",
  port,
  allowHalfOpen: true,
  socket: {
    data(_s, bytes) {
      replies += new TextDecoder().decode(bytes);
    },
    close: () => closed.resolve(),
  },
});
socket.write("one");
socket.write("two");
socket.write("three");
socket.shutdown(); // "nothing more": the server answers what it read, then hangs up
giveUpAfter("The server did not hang up: is server.ts from this folder the one running?");
await closed.promise;
const printed = (await new Response(server.stdout).text()).split("\n").slice(1, -1);
const answers = replies.split("Got it!").length - 1;

console.log("The client wrote three times: one, two, three.");
console.log(`The server read ${printed.length} time(s) and printed:`);
for (const line of printed) console.log(`  ${line}`);
console.log(`It answered ${answers} "Got it!".`);
console.log(
  printed.length === 1
    ? "Usually so: TCP carries a stream of bytes, not messages. The three writes were there\n" +
        "before the server read, and one read took them all."
    : "This time they came apart (about 2 runs in 700 on one computer): whether writes\n" +
        "arrive together or apart is up to timing, never up to the program. Run it again.",
);
