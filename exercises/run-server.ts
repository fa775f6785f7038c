// For the exercises: starts the project's server.ts with `args` on a free port, waits for
// its "Listening on" line, and gives back the running process and its port.
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..");

export async function runServer(args: string[] = [], stdout: "pipe" | "ignore" = "pipe") {
  const proc = Bun.spawn(["bun", join(ROOT, "server.ts"), "--port", "0", ...args], {
    stdout,
    stderr: "pipe",
  });
  let banner = "";
  const reader = proc.stderr.getReader();
  while (!/Listening on \S+:(\d+)/.test(banner)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server.ts did not start: ${banner}`);
    banner += new TextDecoder().decode(value);
  }
  return { proc, port: Number(banner.match(/Listening on \S+:(\d+)/)?.[1]) };
}
