// For the exercises: what they share. runServer() starts the project's server.ts on a free
// port; oneLineErrors(), giveUpAfter() and readPort() keep the exercises' own promise: a
// failure is one line and exit 1 (a mistyped option: 2), never a stack trace, and no wait
// is without end; tell() prints in rows of 80 columns, as a projector shows them. (The
// chat's client does without this file: it is copied to students.)
import { join } from "node:path";
import { parseArgs } from "node:util";

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

/**
 * The command line of an exercise: --port (digits only, 1337 unless given; 0, a free port,
 * for a server) and what else it allows; a mistake is one line with the usage, exit 2.
 */
export function readPort(usage: string, server: boolean, hosts = 0) {
  const quit = (line: string): never => {
    console.error(`${line}\n${usage}`);
    process.exit(2);
  };
  const parse = () =>
    parseArgs({ options: { port: { type: "string", default: "1337" } }, allowPositionals: true });
  const parsed = (() => {
    try {
      return parse();
    } catch (mistake) {
      return quit((mistake as Error).message);
    }
  })();
  const { values, positionals } = parsed;
  const lowest = server ? 0 : 1;
  const port = Number(values.port);
  if (!/^\d{1,5}$/.test(values.port) || port < lowest || port > 65535)
    quit(`--port takes a whole number from ${lowest} to 65535, not "${values.port}"`);
  if (positionals.length > hosts) quit(`Unexpected argument '${positionals[hosts]}'`);
  return { port, host: positionals[0] };
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

const WIDTH = 80; // columns of a projector's terminal

/**
 * Prints text in rows of at most 80 columns, broken after a space; a row that is broken
 * goes on indented as it began, so that what follows reads as part of it.
 */
export function tell(text: string): void {
  for (const line of text.split("\n")) {
    const indent = line.match(/^ */)![0];
    let row = "";
    for (const word of line.trimStart().split(" ")) {
      if (row.trim() !== "" && (row + word).length > WIDTH) {
        console.log(row.trimEnd());
        row = `${indent}  `;
      }
      row = row === "" ? `${indent}${word} ` : `${row}${word} `;
    }
    console.log(row.trimEnd());
  }
}
