// For the tests: starts `bun server.ts ARGS...`, waits for its banner, runs the command its
// "On this computer:" line gives with one message, and prints what happened as JSON. It runs
// inside a namespace the test made (another /etc/hosts, other interfaces), so that the
// server and the client it tells you to start see the same computer. With SOB_HOST set, the
// client is given that host in place of the hint's (as a student types "localhost").
//   bun tests/peers/hint-check.ts ARGS...
import { join } from "node:path";

const root = join(import.meta.dir, "..", "..");
const server = Bun.spawn(["bun", join(root, "server.ts"), ...process.argv.slice(2)], {
  stdout: "pipe",
  stderr: "pipe",
});
let banner = ""; // the server writes it in one piece
const reader = server.stderr.getReader();
while (!(banner.includes("On this computer:") && banner.endsWith("\n"))) {
  const { value, done } = await reader.read();
  if (done) break;
  banner += new TextDecoder().decode(value);
}
const hint =
  banner
    .match(/^On this computer: bun client\.ts(.*)$/m)?.[1]
    ?.trim()
    .split(/\s+/) ?? [];
const host = process.env.SOB_HOST;
if (host !== undefined && hint[0] !== undefined && !hint[0].startsWith("-")) hint[0] = host;
const client = Bun.spawn(
  ["bun", join(root, "client.ts"), ...hint.filter(Boolean), "--timeout", "5"],
  {
    stdin: new Blob(["hi\n"]),
    stdout: "pipe",
    stderr: "pipe",
  },
);
const [code, stdout, stderr] = await Promise.all([
  client.exited,
  new Response(client.stdout).text(),
  new Response(client.stderr).text(),
]);
server.kill("SIGINT");
await server.exited;
console.log(JSON.stringify({ banner, hint, code, stdout, stderr }));
