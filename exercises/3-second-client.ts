#!/usr/bin/env bun
// Exercise 3: a second client while the first is connected. Run it in any terminal:
//   bun exercises/3-second-client.ts
// It starts server.ts, connects a first client that stays, then runs client.ts as a second.
import { join } from "node:path";
import { ROOT, runServer } from "./run-server";

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

console.log("A first client is connected; a second one starts. The second one says:");
console.log(`  ${said.trim()}`);
console.log(`and exits with status ${code} (1: a network problem).`);
console.log("The tutorial's server serves one client. Ours keeps listening while it does, and");
console.log("tells anyone else it is busy. The tutorial's Python would leave them waiting,");
console.log('silently, in its queue. So "busy" never looks like "Connection refused", which');
console.log("means that nobody listens there, or that a firewall says no.");
