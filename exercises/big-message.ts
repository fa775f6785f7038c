#!/usr/bin/env bun
// One big message, one line of 1,000,000 "x": how many times does the server print, and
// how many "Got it!" come back? (Lesson 1, exercise 2.) Run it in any terminal:
//   bun exercises/big-message.ts
// It runs server.ts and client.ts itself and shows a summary, not a million x. It says
// what happened, not why: that is the question.
import { join } from "node:path";
import { ROOT, runServer, tell } from "./run-server";

const { proc: server, port } = await runServer();
const client = Bun.spawn(["bun", join(ROOT, "client.ts"), "--port", `${port}`], {
  stdin: new Blob([`${"x".repeat(1_000_000)}\n`]),
  stdout: "pipe",
  stderr: "inherit",
});
const [clientOut, serverOut] = await Promise.all([
  new Response(client.stdout).text(),
  new Response(server.stdout).text(),
]);
const pieces = serverOut.split("\n").slice(1, -1);
const answers = clientOut.split("Got it!").length - 1;

tell("The client sent one line of 1,000,000 x: one message, as the tutorial sends it.");
tell(`The server printed it in ${pieces.length} piece(s), of these lengths:`);
tell(`  ${pieces.map((p) => p.length.toLocaleString("en-US")).join(", ")}`);
tell(`The client received ${answers} "Got it!".`);
tell("Why so many pieces, and so many replies? Run it again: do the numbers change?");
