#!/usr/bin/env bun
// Three messages sent quickly, one right after the other: what does the server see? (Lesson
// 1, exercise 1.) Run it the same way in any terminal (PowerShell, cmd.exe, bash, zsh):
//   bun exercises/three-writes.ts
// It starts server.ts on a free port itself, so no other server needs to run. It says what
// happened, not why: that is the question.
import { giveUpAfter, runServer, tell } from "./run-server";

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

tell("The client wrote three times: one, two, three.");
tell(`The server read ${printed.length} time(s) and printed:`);
for (const line of printed) tell(`  ${line}`);
tell(`It answered ${answers} "Got it!".`);
tell("Why that many reads? Run it a few times: is it always the same?");
