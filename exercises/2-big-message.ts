#!/usr/bin/env bun
// Exercise 2: one big message, one line of 1,000,000 "x". How many times does the server
// print, and how many "Got it!" come back? Run it in any terminal:
//   bun exercises/2-big-message.ts
// It runs server.ts and client.ts itself and shows a summary, not a million x.
import { join } from "node:path";
import { ROOT, runServer } from "./run-server";

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

console.log("The client sent one line of 1,000,000 x (one message, as the tutorial sends it).");
console.log(`The server printed it in ${pieces.length} piece(s), of these lengths:`);
console.log(`  ${pieces.map((p) => p.length.toLocaleString("en-US")).join(", ")}`);
console.log(`The client received ${answers} "Got it!": one for each piece the server read.`);
console.log("TCP hands over whatever has arrived; a big message comes in several reads.");
console.log("The numbers change from run to run and from computer to computer: that is the point.");
