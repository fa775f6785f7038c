// depth/options.ts: every option of server.ts and client.ts, the help, and a usage line
// for each mistake. The lesson scripts load it whenever it is beside them; alone, they
// take only --port (and the client a HOST).

import { fstatSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { checkHost, LookupFailed, lookUp } from "./names.ts";
import { within80 } from "./rows.ts";

const DEFAULT_PORT = 1337; // the tutorial's port
const LOOKUP_WAIT = 5; // seconds a server's --host name may take to look up

// Each row within 80 columns: a projector's, or a student's terminal.
export const SERVER_USAGE = `usage: bun server.ts [--host HOST] [--port PORT] [--trace]
                     [--keep-open [--max-clients N]]`;
const SERVER_HELP = `${SERVER_USAGE}
  --host HOST  0.0.0.0: every IPv4 address (default); 127.0.0.1: this computer
               only; :: or ::1: IPv6
  --port PORT  the port (default 1337); 0 picks a free one
  --keep-open  serve the whole class until Ctrl-C, --max-clients N at once (100)
  --trace      tell each call Bun makes to the server, with its step in Python`;

export const CLIENT_USAGE =
  "usage: bun client.ts [HOST] [--port PORT] [--timeout SECONDS] [--trace]";
const CLIENT_HELP = `${CLIENT_USAGE}
  HOST       the server's name or address (default 127.0.0.1: this computer)
  --port     the server's port (default 1337)
  --timeout  seconds to wait for the server each time (default 10, or 2.5)
  --trace    tell each call Bun makes to the client, with its step in Python`;

export type ServerOptions = {
  host: string; // the address to listen on (a --host name, looked up)
  named: string; // --host as it was typed (localhost), for the banner
  port: number;
  keepOpen: boolean;
  maxClients: number; // 1 without --keep-open, as the tutorial's server
  trace: boolean;
};
export type ClientOptions = { host: string; port: number; timeout: number; trace: boolean };

/** The server's command line: --help prints the help (exit 0), a mistake the usage (2). */
export async function serverOptions(args: string[]): Promise<ServerOptions> {
  let options: ServerOptions;
  try {
    options = readServerOptions(args);
  } catch (mistake) {
    const known = ["--host", "--port", "--keep-open", "--max-clients", "--trace", "--help"];
    quit(2, `${firstLine(mistake, known)}\n${SERVER_USAGE}`);
  }
  try {
    return { ...options, host: await lookUp(options.host, LOOKUP_WAIT) };
  } catch (problem) {
    if (problem instanceof LookupFailed) quit(1, problem.message);
    throw problem;
  }
}

/** The server's options, checked; throws on a mistake. */
export function readServerOptions(args: string[]): ServerOptions {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: "string", default: "0.0.0.0" },
      port: { type: "string", default: String(DEFAULT_PORT) },
      "keep-open": { type: "boolean", default: false },
      "max-clients": { type: "string" },
      trace: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) quit(0, SERVER_HELP);
  const keepOpen = values["keep-open"];
  const most = values["max-clients"];
  if (most !== undefined && !keepOpen) throw Error("--max-clients goes with --keep-open");
  let maxClients = 1; // the tutorial's one client
  if (keepOpen) maxClients = whole(most ?? "100", 1, 100_000, "--max-clients");
  const port = whole(values.port, 0, 65535, "--port");
  const host = checkHost(values.host);
  return { host, named: host, port, keepOpen, maxClients, trace: values.trace };
}

/** The client's command line: --help prints the help (exit 0), a mistake the usage (2). */
export function clientOptions(args: string[]): ClientOptions {
  let options: ClientOptions;
  try {
    options = readClientOptions(args);
  } catch (mistake) {
    quit(2, `${firstLine(mistake, ["--port", "--timeout", "--trace", "--help"])}\n${CLIENT_USAGE}`);
  }
  // `bun client.ts < some-folder`: standard input must be a file, a pipe or the terminal.
  if (isFolder(0)) quit(1, "Standard input is a folder: give a file, as in < notes.txt.");
  if (!readable(0)) quit(1, "Standard input cannot be read (it was opened to write): use < FILE.");
  return options;
}

/**
 * Whether a file descriptor was opened to be read. Linux says how each was opened in
 * /proc/self/fdinfo (its flags' low bits: 1, write only); elsewhere it is taken as read.
 */
function readable(fd: number): boolean {
  try {
    const flags = readFileSync(`/proc/self/fdinfo/${fd}`, "utf8").match(/^flags:\s*(\d+)/m);
    return flags === null || (Number.parseInt(flags[1]!, 8) & 3) !== 1;
  } catch {
    return true; // no /proc: macOS, Windows
  }
}

/** Whether a file descriptor is a folder (false if it cannot be asked). */
function isFolder(fd: number): boolean {
  try {
    return fstatSync(fd).isDirectory();
  } catch {
    return false;
  }
}

/** The client's options, checked; throws on a mistake. */
export function readClientOptions(args: string[]): ClientOptions {
  const { values, positionals } = parseArgs({
    args,
    options: {
      port: { type: "string", default: String(DEFAULT_PORT) },
      timeout: { type: "string", default: "10" },
      trace: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
  });
  if (values.help) quit(0, CLIENT_HELP);
  if (positionals.length > 1) throw Error("one server address, please");
  const port = whole(values.port, 1, 65535, "--port");
  const timeout = seconds(values.timeout, "--timeout");
  const host = checkHost(positionals[0] ?? "127.0.0.1");
  return { host, port, timeout, trace: values.trace };
}

/** A whole number from min to max, written in digits: not "1e3", "0x10" or " 5". */
export function whole(text: string, min: number, max: number, option: string): number {
  const value = Number(text);
  if (/^\d+$/.test(text) && value >= min && value <= max) return value;
  throw Error(`${option} takes a whole number from ${min} to ${max}, not "${text}"`);
}

/** A number of seconds, as a timer can wait them: 0.2, 2.5 or 10; not "1e3" or " 5". */
export function seconds(text: string, option: string): number {
  const MIN = 0.001; // a millisecond: a timer's step
  const MAX = 2_000_000; // about 23 days: a timer waits at most 2^31 ms, about 24.8 days
  const value = Number(text);
  if (/^\d+(\.\d+)?$/.test(text) && value >= MIN && value <= MAX) return value;
  throw Error(`${option} takes a number of seconds from ${MIN} to ${MAX}, not "${text}"`);
}

/** Options as people type them, each with an example of its value. */
const EXAMPLES: Record<string, string> = {
  "--host": "127.0.0.1",
  "--port": "5000",
  "--timeout": "2.5",
  "--max-clients": "30",
};

/**
 * The first line of an error's message, said plainly: parseArgs adds advice on further
 * lines, some of it wrong for us (a negative --port, a positional after "--"). `known`:
 * the script's options, for "did you mean".
 */
export function firstLine(problem: unknown, known: string[] = []): string {
  const line = String((problem as Error).message).split("\n")[0] ?? "";
  // --port at the end, or --port -1: no value, or one that looks like another option.
  const noValue = line.match(/^Option '(--[\w-]+)(?: <value>)?' argument (?:is ambiguous|missing)/);
  if (noValue !== null) {
    const option = noValue[1]!;
    return `${option} needs a value after it, such as ${option} ${EXAMPLES[option] ?? "..."}`;
  }
  const unknown = line.match(/^Unknown option '(-{1,2}[^']*)'/);
  if (unknown === null) return line;
  const typed = unknown[1]!;
  const near = known.find((option) => apart(option, typed) <= 2);
  return `Unknown option '${typed}'${near ? `: did you mean ${near}?` : ""}`;
}

/** How many letters to add, remove or change to make one word the other. */
function apart(a: string, b: string): number {
  let before = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const change = before[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(before[j]! + 1, row[j - 1]! + 1, change));
    }
    before = row;
  }
  return before[b.length]!;
}

/** Prints one line (help on standard output, a problem on standard error), and exits. */
function quit(code: number, line: string): never {
  if (code === 0) console.log(line);
  else console.error(within80(line));
  process.exit(code);
}
