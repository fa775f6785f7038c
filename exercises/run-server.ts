// For the exercises: what they share. runServer() starts the project's server.ts on a free
// port; oneLineErrors() and giveUpAfter() keep the exercises' own promise: a failure is one
// line and exit 1, never a stack trace, and no wait is without end.
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..");
const WAIT = 5; // seconds any exercise waits for the other side, at most

/** Turns any failure into one line on standard error and exit 1. */
export function oneLineErrors(): void {
  const giveUp = (problem: unknown) => {
    const { code, message } = problem as { code?: string; message?: string };
    let line = `Stopped: ${message ?? String(problem)}`;
    if (code === "EADDRINUSE") line = "The port is in use: stop the other server (Ctrl-C) first.";
    if (code === "ECONNREFUSED") line = "Nobody listens there: start the server first.";
    console.error(line);
    process.exit(1);
  };
  process.on("uncaughtException", giveUp);
  process.on("unhandledRejection", giveUp);
}

/** Ends the exercise with `line` (exit 1) if it is still waiting after WAIT seconds. */
export function giveUpAfter(line: string): Timer {
  const timer = setTimeout(() => {
    console.error(line);
    process.exit(1);
  }, WAIT * 1000);
  timer.unref(); // an exercise that is done ends without waiting for it
  return timer;
}

/** Starts server.ts with `args` on a free port; its process and port, once it listens. */
export async function runServer(args: string[] = [], stdout: "pipe" | "ignore" = "pipe") {
  oneLineErrors();
  const proc = Bun.spawn(["bun", join(ROOT, "server.ts"), "--port", "0", ...args], {
    stdout,
    stderr: "pipe",
  });
  giveUpAfter(`server.ts did not start within ${WAIT} s.`);
  let banner = "";
  const reader = proc.stderr.getReader();
  while (!/Listening on \S+:(\d+)/.test(banner)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server.ts did not start: ${banner.trim()}`);
    banner += new TextDecoder().decode(value);
  }
  return { proc, port: Number(banner.match(/Listening on \S+:(\d+)/)?.[1]) };
}
