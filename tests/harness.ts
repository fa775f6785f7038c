// Test harness: runs the real server.ts and client.ts as processes and talks to them
// over real sockets. Every process started here is killed and awaited after each test,
// even when the test fails: each test file calls afterEach(cleanUp) itself (a hook
// registered here would only reach the first file that imports this module).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";

export const ROOT = join(import.meta.dir, "..");
export const SERVER = join(ROOT, "server.ts");
export const CLIENT = join(ROOT, "client.ts");
export const PROMPT = "Type your msg here: ";

const running = new Set<Subprocess>();
const groups = new Set<number>(); // shells started in a process group of their own

/** Kills every process a test started (a shell with all it started) and waits for them. */
export async function cleanUp(): Promise<void> {
  const all = [...running];
  running.clear();
  for (const pid of groups) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {} // already gone
  }
  groups.clear();
  for (const proc of all) proc.kill("SIGKILL");
  await Promise.all(all.map((proc) => proc.exited));
}

/** Any command, collected and cleaned up as the scripts are. */
export function spawn(
  cmd: string[],
  stdin: "pipe" | "ignore" | Blob = "ignore",
  env = {},
  cwd = ROOT,
) {
  const proc = Bun.spawn(cmd, {
    cwd,
    stdin: stdin as "pipe",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  return new Running(proc);
}

/** A bash command line ($1, $2, ... are `args`) in a process group of its own (setsid),
 * so that cleanUp kills the whole pipeline it starts, not just the shell. */
export function spawnShell(script: string, ...args: string[]): Running {
  const shell = spawn(["setsid", "bash", "-c", script, "bash", ...args]);
  groups.add(shell.proc.pid);
  return shell;
}

/** A running process whose standard output and error are collected as they come. */
export class Running {
  stdout = "";
  stderr = "";
  readonly done: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(readonly proc: Subprocess<"pipe" | "ignore" | "inherit", "pipe" | "ignore", "pipe">) {
    running.add(proc);
    this.done = Promise.all([
      proc.stdout ? this.collect(proc.stdout, (t) => (this.stdout += t)) : undefined,
      this.collect(proc.stderr, (t) => (this.stderr += t)),
    ]).then(() => {});
  }

  private async collect(stream: ReadableStream<Uint8Array>, add: (text: string) => void) {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      add(decoder.decode(chunk, { stream: true }));
      for (const wake of this.waiters.splice(0)) wake();
    }
    add(decoder.decode());
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Waits until standard error (or output) matches, failing on a deadline or on exit. */
  async waitFor(
    pattern: RegExp,
    where: "stderr" | "stdout" = "stderr",
    ms = 5000,
  ): Promise<RegExpMatchArray> {
    let match: RegExpMatchArray | null = null;
    await this.waitUntil(
      () => {
        match = this[where].match(pattern);
        return match !== null;
      },
      `${pattern} on ${where}`,
      ms,
    );
    return match!;
  }

  /** Waits until `pattern` has appeared `count` times on standard error (or output). */
  async waitForCount(
    pattern: RegExp,
    count: number,
    where: "stderr" | "stdout" = "stderr",
    ms = 5000,
  ) {
    const global = new RegExp(pattern.source, "g");
    const seen = () => this[where].match(global)?.length ?? 0;
    await this.waitUntil(() => seen() >= count, `${count} x ${pattern} on ${where}`, ms);
  }

  private async waitUntil(done: () => boolean, what: string, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    let ended = false;
    this.done.then(() => (ended = true));
    while (true) {
      if (done()) return;
      if (ended) throw new Error(`exited before ${what}:\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${ms} ms:\n${this.stderr}`);
      await new Promise<void>((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, left);
      });
    }
  }

  /**
   * The process's own peak memory (VmHWM), sampled every 10 ms until it ends; Linux only.
   * (resourceUsage().maxRSS will not do: Linux counts the parent's peak in a child's.)
   */
  watchMemory(): () => number {
    let peak = 0;
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${this.proc.pid}/status`, "utf8");
        peak = Math.max(peak, Number(status.match(/VmHWM:\s+(\d+) kB/)?.[1] ?? 0) * 1024);
      } catch {} // it has ended
    };
    const timer = setInterval(sample, 10);
    this.proc.exited.then(() => clearInterval(timer));
    sample();
    return () => peak;
  }

  /** Waits for the process to end and for all of its output. */
  async exit(): Promise<number> {
    const code = await this.proc.exited;
    await this.done;
    return code;
  }
}

/** Starts `bun server.ts` on a free port and waits for its "Listening on" line. */
export async function startServer(
  args: string[] = [],
  options: { stdout?: "pipe" | "ignore" } = {},
): Promise<Running & { port: number }> {
  const server = spawnScript(SERVER, ["--port", "0", ...args], "ignore", options.stdout);
  const match = await server.waitFor(/Listening on \[?[^\s\]]*\]?:(\d+)/);
  return Object.assign(server, { port: Number(match[1]) });
}

/** Starts `bun client.ts` with the given arguments and standard input. */
export function startClient(args: string[], stdin: "pipe" | "ignore" | Blob = "pipe"): Running {
  return spawnScript(CLIENT, args, stdin);
}

/** Runs `bun client.ts`, feeding it `input` on standard input, and waits for it to end. */
export async function runClient(args: string[], input: string | Uint8Array) {
  const client = startClient(args, new Blob([input]));
  const code = await client.exit();
  return { code, stdout: client.stdout, stderr: client.stderr };
}

export function spawnScript(
  script: string,
  args: string[],
  stdin: "pipe" | "ignore" | Blob = "ignore",
  stdout: "pipe" | "ignore" = "pipe",
): Running {
  const proc = Bun.spawn(["bun", script, ...args], {
    stdin: stdin as "pipe",
    stdout,
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return new Running(proc);
}

/** A raw TCP socket, for playing a client that does what ours never would. */
export async function rawConnect(port: number, host = "127.0.0.1") {
  let received = "";
  let isClosed = false;
  let sawEnd = false; // the peer closed in order (a FIN)
  let closeError: Error | undefined; // the peer reset the connection
  const waiters: (() => void)[] = [];
  const wakeAll = () => {
    for (const wake of waiters.splice(0)) wake();
  };
  const decoder = new TextDecoder();
  let unsent: Uint8Array = new Uint8Array(0); // what write() could not send yet
  let allSent = () => {};
  const flush = (s: { write(b: Uint8Array): number }) => {
    const n = s.write(unsent);
    unsent = unsent.subarray(Math.max(n, 0));
    if (unsent.length === 0 || n < 0) allSent();
  };
  const socket = await Bun.connect({
    hostname: host,
    port,
    allowHalfOpen: true,
    socket: {
      drain: flush,
      data(_s, data) {
        received += decoder.decode(data, { stream: true });
        wakeAll();
      },
      end() {
        sawEnd = true;
        wakeAll();
      },
      close(_s, error) {
        isClosed = true;
        closeError = error;
        wakeAll();
      },
      error(_s, error) {
        closeError = error;
      },
    },
  });
  /** Waits until `done()` holds, failing after `ms`. */
  async function until(done: () => boolean, what: string, ms: number) {
    const deadline = Date.now() + ms;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `${what} within ${ms} ms (received: ${JSON.stringify(received.slice(-200))})`,
        );
      await new Promise<void>((wake) => {
        waiters.push(wake);
        setTimeout(wake, left);
      });
    }
  }
  return {
    socket,
    /** Sends every byte (write() alone sends only what fits); settles when all are out. */
    sendAll: (bytes: Uint8Array) =>
      new Promise<void>((resolve) => {
        unsent = bytes;
        allSent = resolve;
        flush(socket);
      }),
    received: () => received,
    closed: () => isClosed,
    sawEnd: () => sawEnd,
    closeError: () => closeError,
    /** Waits until the text received so far matches. */
    waitFor: (pattern: RegExp, ms = 5000) =>
      until(() => pattern.test(received), `no ${pattern} from the peer`, ms),
    /** Waits until the peer has finished sending (an orderly end, a FIN). */
    waitEnd: (ms = 5000) =>
      until(() => sawEnd || isClosed, "the peer did not end the connection", ms),
    /** Waits until the peer has closed the connection. */
    waitClosed: (ms = 5000) => until(() => isClosed, "the peer did not close", ms),
    /** Waits until `done()` holds: what it waits for is named in the failure. */
    waitUntil: (done: () => boolean, what: string, ms = 5000) => until(done, `no ${what}`, ms),
  };
}

/** A stack trace has lines like "    at foo (file.ts:1:2)" or Bun's "Bun v1.x" banner. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[:(]/m.test(text) || /Bun v\d+\.\d+/.test(text) || /^\s*\d+ \| /m.test(text);
}

export const PYTHON = Bun.which("python3");

/** Signals (SIGINT, SIGHUP, SIGSTOP, ...) and a POSIX shell: not on Windows, where they skip. */
export const POSIX = process.platform !== "win32";
if (!POSIX) console.error("skipped: the signal and shell tests need a POSIX system");

/** Starts one of the Python peers in tests/peers; those that listen print their port first. */
export function startPeer(script: string, args: string[] = []): Running {
  const proc = Bun.spawn([PYTHON ?? "python3", join(import.meta.dir, "peers", script), ...args], {
    stdout: "pipe",
    stderr: "pipe",
  });
  return new Running(proc);
}

/** The port a listening Python peer printed on its first line. */
export async function peerPort(peer: Running): Promise<number> {
  return Number((await peer.waitFor(/^(\d+)\n/, "stdout"))[1]);
}

/** A port on 127.0.0.1 where nobody listens (it was free a moment ago). */
export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}
