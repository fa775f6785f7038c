#!/usr/bin/env bun
// A second client while the first is connected: what does it hear? (Lesson 2, exercise 1.)
// Run it in any terminal:
//   bun exercises/second-client.ts
// It starts server.ts, connects a first client that stays, then runs client.ts as a second.
// It says what happened, not why: that is the question.
import { join } from "node:path";
import { ROOT, runServer, tell } from "./run-server";

const { proc: server, port } = await runServer([], "ignore");
const first = await Bun.connect({
  hostname: "127.0.0.1",
  port,
  socket: { data() {} },
});
const second = Bun.spawn(["bun", join(ROOT, "client.ts"), "--port", `${port}`], {
  stdin: new Blob(["hello\n"]),
  stdout: "ignore",
  stderr: "pipe",
});
const [code, said] = await Promise.all([second.exited, new Response(second.stderr).text()]);
first.end();
await server.exited;

tell("A first client is connected; a second one starts. The second one says:");
tell(`  ${said.trim()}`);
tell(`and exits with status ${code} (1: a network problem).`);
tell("What would the tutorial's Python server do with this second client?");
