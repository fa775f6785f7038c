// Test harness: runs the real server.ts and client.ts as processes and talks to them
// over real sockets. Every process and raw socket started here is closed after each test,
// even when the test fails: each test file calls afterEach(cleanUp) itself (a hook
// registered here would only reach the first file that imports this module). On Linux a
// process also ends with the bun test that started it (a parent-death signal), and what a
// killed run left behind (processes, network namespaces) is removed when the next run starts.

import { expect, test } from "bun:test";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket, Subprocess } from "bun";
import { watchMemory } from "./memory";

export const ROOT = join(import.meta.dir, "..");
export const SERVER = join(ROOT, "server.ts");
export const CLIENT = join(ROOT, "client.ts");
export const PROMPT = "Type your msg here: ";
// Every test's timeout, and a wait's for a line or a close, in milliseconds. Under mutation
// testing a mutant that hangs a script should fail soon: bun test --parallel=3 goes on to
// each worker's next file after a failure, so a hung mutant costs a wait in each file. The
// longest test of the lesson's part takes about 4 s; its waits, under 100 ms.
const mutating = process.env.MUTATING === "1";
export const T = mutating ? 8_000 : 15_000;
const WAIT = mutating ? 3_000 : 5_000;

/** What one test started: cleanUp() ends all of it, and nothing of another test's. */
class Scope {
  running = new Set<Subprocess>();
  groups = new Set<number>(); // shells started in a process group of their own
  sockets = new Set<{ terminate(): void }>(); // raw test sockets (rawConnect)
  namespaces = new Set<string>(); // made by twoComputers(), removed by cleanUp()
}
// The tests that run one at a time share one scope, emptied after each (afterEach). A test
// that only waits runs at once with others like it (waiting()), in a scope of its own.
const oneAtATime = new Scope();
const scopes = new AsyncLocalStorage<Scope>();
/** The scope of the test that is running this code. */
const scope = () => scopes.getStore() ?? oneAtATime;

/** Kills every process a test started (a shell with all it started), closes its sockets. */
export async function cleanUp(which: Scope = oneAtATime): Promise<void> {
  for (const socket of which.sockets) socket.terminate();
  which.sockets.clear();
  const all = [...which.running];
  which.running.clear();
  for (const pid of which.groups) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {} // already gone
  }
  which.groups.clear();
  for (const proc of all) proc.kill("SIGKILL");
  await Promise.all(all.map((proc) => proc.exited));
  const left = onLinux ? leftBehind() : [];
  for (const { pid } of left) process.kill(pid, "SIGKILL");
  if (left.length > 0) {
    const named = left.map(({ pid, command }) => `${pid} ${command}`).join("; ");
    throw new Error(`left behind, now killed: ${named}`);
  }
  for (const ns of which.namespaces) {
    Bun.spawnSync(["ip", "netns", "del", ns], { stderr: "ignore" });
    rmSync(join("/etc/netns", ns), { recursive: true, force: true }); // its own resolv.conf
  }
  which.namespaces.clear();
}

// Every process group the tests started (a pipeline each). cleanUp ends each whole, with
// SIGKILL, which no process of it survives; but it may still be ending, an instant later,
// when a test that runs at once with others looks: a process in one is never left behind.
const ourGroups = new Set<number>();

/**
 * Processes of this run that no test holds any more: their parent is gone (they are the
 * system's now), and no process group of the tests holds them. A shell killed without its
 * pipeline leaves these. (tmux's server leaves its parent by design; its test ends it.)
 */
function leftBehind(): { pid: number; command: string }[] {
  const ours = new Map<number, { ppid: number; group: number; command: string }>();
  for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8");
      if (!environ.split("\0").includes(`${RUN}=${process.pid}`)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [, ppid, group] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const command = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      ours.set(Number(entry), { ppid: Number(ppid), group: Number(group), command });
    } catch {} // gone, or not ours to read
  }
  // Left behind: a process whose parent is gone, and all that descends from one.
  const isLeft = (pid: number): boolean => {
    const info = ours.get(pid);
    if (!info || ourGroups.has(info.group) || /^\S*\btmux /.test(info.command)) return false;
    return info.ppid === 1 || isLeft(info.ppid);
  };
  return [...ours].filter(([pid]) => isLeft(pid)).map(([pid, { command }]) => ({ pid, command }));
}

type TestBody = () => Promise<void> | void;
/**
 * A test that only waits (for ARP, a lookup, keepalive, a --timeout): it runs at once with
 * the others like it (test.concurrent), and what it starts is its own, ended when it ends.
 */
export function waiting(name: string, body: TestBody, timeout: number): void {
  test.concurrent(
    name,
    async () => {
      const own = new Scope();
      try {
        await scopes.run(own, body);
      } finally {
        await cleanUp(own);
      }
    },
    timeout,
  );
}
/** waiting(), unless `skip`: then skipped, as test.skipIf() does. */
waiting.skipIf = (skip: boolean) => (skip ? test.skip : waiting);

// Every process the tests start carries this run's id, so that a later run can tell what a
// killed run left behind: a process whose run has ended, or a namespace named sob-*-PID.
const RUN = "SOB_TEST_RUN";
/** The environment of a process a test starts by other means (tmux's server): this run's. */
export const runEnvironment = () => ({ ...process.env, [RUN]: String(process.pid) });
const onLinux = process.platform === "linux";
/** Ends a wrapped process with its parent (Linux): a run that is killed leaves none behind. */
const withParent = onLinux && Bun.which("setpriv") ? ["setpriv", "--pdeathsig", "KILL"] : [];
/**
 * A process group (a shell pipeline) ends with its parent too, all of it: its leader is a
 * shell that the system signals (USR1) when the parent dies, and that then kills its whole
 * group; otherwise it waits for the command and exits as it does. (pdeathsig reaches only
 * the one process it is set on, not what that one starts.) Standard input is handed on:
 * a command started with & would otherwise read /dev/null.
 */
const GROUP_ENDS_WITH_PARENT = 'exec 3<&0; trap "kill -KILL 0" USR1; "$@" <&3 3<&- & wait $!';
const groupWithParent =
  onLinux && Bun.which("setpriv")
    ? ["setpriv", "--pdeathsig", "USR1", "sh", "-c", GROUP_ENDS_WITH_PARENT, "group"]
    : [];
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
};
if (onLinux) removeLeftovers();

/** Kills processes and removes namespaces of earlier runs that did not end cleanly. */
export function removeLeftovers(): void {
  for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8");
      const run = Number(environ.match(new RegExp(`(?:^|\0)${RUN}=(\\d+)`))?.[1]);
      if (run > 0 && !alive(run)) process.kill(Number(entry), "SIGKILL");
    } catch {} // gone, or not ours to read
  }
  if (process.getuid?.() !== 0 || !Bun.which("ip")) return;
  const list = Bun.spawnSync(["ip", "netns", "list"]).stdout.toString();
  for (const ns of list.match(/^sob-[a-z]+-\d+\S*/gm) ?? []) {
    if (alive(Number(ns.match(/^sob-[a-z]+-(\d+)/)?.[1]))) continue;
    const pids = Bun.spawnSync(["ip", "netns", "pids", ns]).stdout.toString().split(/\s+/);
    for (const pid of pids.filter(Boolean)) process.kill(Number(pid), "SIGKILL");
    Bun.spawnSync(["ip", "netns", "del", ns], { stderr: "ignore" });
    rmSync(join("/etc/netns", ns), { recursive: true, force: true });
  }
}

export type SpawnOptions = {
  stdin?: "pipe" | "ignore" | Blob; // standard input: none unless given
  stdout?: "pipe" | "ignore"; // collected unless "ignore"
  env?: Record<string, string>; // added to this process's environment
  cwd?: string; // the project's folder unless given
  group?: boolean; // in a process group of its own, which cleanUp kills whole (a pipeline)
};

// A process group of its own: the setsid command (Linux), or Python's os.setsid() (macOS
// has no setsid command). Windows has neither, and its tests start no pipelines.
const SETSID_PY = "import os, sys; os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])";
const newGroup = Bun.which("setsid")
  ? ["setsid"]
  : Bun.which("python3") && process.platform !== "win32"
    ? ["python3", "-c", SETSID_PY]
    : [];

/** The one way the tests start a process: collected, and killed after the test. */
export function spawn(cmd: string[], options: SpawnOptions = {}): Running {
  const setsid = options.group ? newGroup : [];
  // A group's leader ends the group with the parent; a single process, itself.
  const ending = options.group && setsid.length > 0 ? groupWithParent : withParent;
  const proc = Bun.spawn([...setsid, ...ending, ...cmd], {
    cwd: options.cwd ?? ROOT,
    stdin: (options.stdin ?? "ignore") as "pipe",
    stdout: options.stdout ?? "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", [RUN]: String(process.pid), ...options.env },
  });
  if (setsid.length > 0) scope().groups.add(proc.pid);
  if (setsid.length > 0) ourGroups.add(proc.pid);
  return new Running(proc);
}

/** A bash command line ($1, $2, ... are `args`) in a process group of its own, so that
 * cleanUp kills the whole pipeline it starts, not just the shell. */
export function spawnShell(script: string, ...args: string[]): Running {
  return spawn(["bash", "-c", script, "bash", ...args], { group: true });
}

/** A running process whose standard output and error are collected as they come. */
export class Running {
  stdout = "";
  stderr = "";
  readonly done: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(readonly proc: Subprocess<"pipe" | "ignore", "pipe" | "ignore", "pipe">) {
    scope().running.add(proc);
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
    ms = WAIT,
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
    ms = WAIT,
  ) {
    const global = new RegExp(pattern.source, "g");
    const seen = () => this[where].match(global)?.length ?? 0;
    await this.waitUntil(() => seen() >= count, `${count} x ${pattern} on ${where}`, ms);
  }

  /** Waits until `done()` is true, checked each time output arrives; fails as waitFor does. */
  async waitUntil(done: () => boolean, what: string, ms = WAIT): Promise<void> {
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

  /** The process's own peak memory in bytes, sampled until it ends; Linux only. */
  watchMemory(): () => number {
    return watchMemory(this.proc);
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

/** `bun SCRIPT ARGS`, through spawn(). */
export function spawnScript(
  script: string,
  args: string[],
  stdin: "pipe" | "ignore" | Blob = "ignore",
  stdout: "pipe" | "ignore" = "pipe",
): Running {
  return spawn(["bun", script, ...args], { stdin, stdout });
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
  const socket: Socket = await Bun.connect({
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
  scope().sockets.add(socket);
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
    waitFor: (pattern: RegExp, ms = WAIT) =>
      until(() => pattern.test(received), `no ${pattern} from the peer`, ms),
    /** Waits until the peer has finished sending (an orderly end, a FIN). */
    waitEnd: (ms = WAIT) =>
      until(() => sawEnd || isClosed, "the peer did not end the connection", ms),
    /** Waits until the peer has closed the connection. */
    waitClosed: (ms = WAIT) => until(() => isClosed, "the peer did not close", ms),
    /** Waits until `done()` holds: what it waits for is named in the failure. */
    waitUntil: (done: () => boolean, what: string, ms = WAIT) => until(done, `no ${what}`, ms),
  };
}

/** A stack trace has lines like "    at foo (file.ts:1:2)" or Bun's "Bun v1.x" banner. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[:(]/m.test(text) || /Bun v\d+\.\d+/.test(text) || /^\s*\d+ \| /m.test(text);
}

// Windows installs Python as python.exe, with no python3.exe beside it.
const windows = process.platform === "win32";
export const PYTHON = Bun.which("python3") ?? (windows ? Bun.which("python") : null);

let interpreter: string | undefined;
/** The Python interpreter itself, asked once: where python3 is a version manager's shim
 * (pyenv's is a shell script), each start through it costs about 0.3 s of CPU. */
export function python(): string {
  const asked = () => Bun.spawnSync([PYTHON!, "-c", "import sys; print(sys.executable)"]);
  interpreter ??= asked().stdout.toString().trim() || PYTHON!;
  return interpreter;
}

/** A second computer's address, 127.0.0.2, from a Python peer: Linux only, where the whole
 * of 127.0.0.0/8 is loopback (fairness.test.ts, projector.test.ts). */
export const secondAddress = process.platform === "linux" && PYTHON !== null;

/** Signals (SIGINT, SIGHUP, SIGSTOP, ...) and a POSIX shell: not on Windows, where they skip. */
export const POSIX = process.platform !== "win32";
if (!POSIX) console.error("skipped: the signal and shell tests need a POSIX system");

/** Starts one of the Python peers in tests/peers; those that listen print their port first. */
export function startPeer(script: string, args: string[] = []): Running {
  return spawn([python(), join(import.meta.dir, "peers", script), ...args]);
}

/** The port a listening Python peer printed on its first line. */
export async function peerPort(peer: Running): Promise<number> {
  return Number((await peer.waitFor(/^(\d+)\n/, "stdout"))[1]);
}

/** A port where nobody listens, on any address (it was free a moment ago). */
export function freePort(): number {
  // Free on every address: a port free on 127.0.0.1 alone may be a client's on 127.0.0.2.
  const everywhere = hasIPv6Loopback ? "::" : "0.0.0.0";
  const listener = Bun.listen({ hostname: everywhere, port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/** What the client prints for `n` messages answered: each prompt, then Got it!. */
export const answered = (n: number) => `${PROMPT}Got it!\n`.repeat(n);

/** Exactly one line on standard error, and no stack trace. */
export function oneLine(stderr: string): string {
  expect(hasStackTrace(stderr)).toBe(false);
  const lines = stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

/** Whether this computer has the IPv6 loopback address, ::1. */
export const hasIPv6Loopback = Object.values(networkInterfaces()).some((list) =>
  (list ?? []).some((a) => a.address === "::1"),
);

/** Whether a network interface in namespace `ns` has carrier (its cable is "plugged in"). */
export function carrier(ns: string, name: string): boolean {
  return Bun.spawnSync(["ip", "-n", ns, "link", "show", name])
    .stdout.toString()
    .includes("LOWER_UP");
}

/** A test: `bun SCRIPT ARGS` is a usage mistake: one line that `says` it (in rows, where
 * what was typed makes it long), then the usage (the server's in two rows), each within
 * 80 columns, nothing on standard output, no stack
 * trace; exit 2. */
export function usageMistake(script: string, args: readonly string[], says: string): void {
  const name = script === SERVER ? "server.ts" : "client.ts";
  test(
    `${name} ${args.map((a) => JSON.stringify(a)).join(" ")} is a usage mistake: "${says}", then the usage, within 80 columns; exit 2`,
    async () => {
      // Offline where it can be: were the mistake taken, "1337" would be sent to 0.0.5.57.
      const offline = noOffline === "" ? OFFLINE : [];
      const proc = spawn([...offline, "bun", script, ...args]);
      expect(await proc.exit()).toBe(2);
      const lines = proc.stderr.trim().split("\n");
      // The mistake in one row, or in more where what was typed makes it long.
      const usage = lines.findIndex((line) => line.startsWith(`usage: bun ${name}`));
      expect(usage).toBeGreaterThan(0);
      expect(lines.slice(usage)).toHaveLength(name === "server.ts" ? 2 : 1);
      expect(lines.slice(0, usage).join(" ")).toContain(says);
      for (const line of lines) expect([line, line.length <= 80]).toEqual([line, true]);
      expect(hasStackTrace(proc.stderr)).toBe(false);
      expect(proc.stdout).toBe("");
    },
    T,
  );
}

/**
 * How many lines of one kind the server reported on standard error: those printed, plus
 * those counted in "(and N more lines in that second, not printed: N of KIND, ...)".
 */
export function reported(stderr: string, line: RegExp, kind: string): number {
  const printed = stderr.match(new RegExp(line.source, "gm"))?.length ?? 0;
  // "(and 25 more lines in that second, not printed: 5 of resets, 20 of clients leaving)",
  // in rows of 80 columns: a row that goes on begins with two spaces.
  const counted = new RegExp(`(?:: |, |\n  )([\\d,]+) of ${kind}(?=,|\\))`, "g");
  const counts = [...stderr.matchAll(counted)].map(([, n]) => Number(n!.replaceAll(",", "")));
  return printed + counts.reduce((sum, n) => sum + n, 0);
}

/** A process on a terminal of its own (a pseudo-terminal, `cols` wide): what a teacher sees. */
export function spawnInTerminal(cmd: string[], cols: number, env: Record<string, string> = {}) {
  let screen = ""; // everything written to the terminal, escape codes included
  const decoder = new TextDecoder(); // keeps a character split between two reads
  const waiters: (() => void)[] = [];
  const withoutNoColor: Record<string, string | undefined> = {
    ...process.env,
    [RUN]: String(process.pid),
    ...env,
  };
  if (env.NO_COLOR === undefined) delete withoutNoColor.NO_COLOR;
  const proc = Bun.spawn([...withParent, ...cmd], {
    cwd: ROOT,
    env: withoutNoColor,
    terminal: {
      cols,
      rows: 40,
      data(_terminal, bytes) {
        screen += decoder.decode(bytes, { stream: true });
        for (const wake of waiters.splice(0)) wake();
      },
    },
  });
  scope().running.add(proc);
  return {
    proc,
    screen: () => screen,
    /** Waits until what the terminal shows matches, failing after `ms`. */
    async waitFor(pattern: RegExp, ms = WAIT): Promise<RegExpMatchArray> {
      const deadline = Date.now() + ms;
      while (true) {
        const match = screen.match(pattern);
        if (match) return match;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${pattern} on the terminal within ${ms} ms:\n${screen}`);
        await new Promise<void>((wake) => {
          waiters.push(wake);
          setTimeout(wake, left);
        });
      }
    },
  };
}

/**
 * A command's prefix that runs it with no network at all (`unshare -n`: loopback only, and
 * down): a name to look up or an address off this computer then goes nowhere.
 */
export const OFFLINE = ["unshare", "-n"];
/** Why a test cannot run offline here, or "". */
export const noOffline =
  process.platform !== "linux" || process.getuid?.() !== 0
    ? "it needs root on Linux (unshare -n)"
    : !Bun.which("unshare")
      ? "it needs unshare (util-linux)"
      : "";

/** Why the tests with two computers (network namespaces) cannot run here, or "". */
export const noNamespaces =
  process.getuid?.() !== 0
    ? "it needs root"
    : !Bun.which("ip")
      ? "it needs the ip command (iproute2)"
      : "";

/**
 * Two computers joined by a cable: network namespaces named for this run, each with eth0
 * (SUBNET.1 and SUBNET.2). Removed after the test; `inHost` runs a command in one of them.
 */
export async function twoComputers(word: string, subnet: string) {
  const tag = `${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  const hosts = { server: `sob-${word}s-${tag}`, client: `sob-${word}c-${tag}` };
  const ip = (...args: string[]) => {
    const r = Bun.spawnSync(["ip", ...args], { stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr.toString()}`);
  };
  scope().namespaces.add(hosts.server);
  scope().namespaces.add(hosts.client);
  ip("netns", "add", hosts.server);
  ip("netns", "add", hosts.client);
  const ends = ["eth0", "netns", hosts.server, "type", "veth", "peer", "eth0", "netns"];
  ip("link", "add", ...ends, hosts.client); // made inside them: nothing left in the host's own
  ip("-n", hosts.server, "addr", "add", `${subnet}.1/24`, "dev", "eth0");
  ip("-n", hosts.client, "addr", "add", `${subnet}.2/24`, "dev", "eth0");
  for (const host of [hosts.server, hosts.client]) {
    ip("-n", host, "link", "set", "lo", "up");
    ip("-n", host, "link", "set", "eth0", "up");
  }
  const deadline = Date.now() + 10_000;
  while (!carrier(hosts.server, "eth0") || !carrier(hosts.client, "eth0")) {
    if (Date.now() > deadline) throw new Error("no carrier on the virtual cable within 10 s");
    await Bun.sleep(10);
  }
  const inHost = (host: string, cmd: string[], options: SpawnOptions = {}) =>
    spawn(["ip", "netns", "exec", host, ...cmd], options);
  /** Gives one host a file of its own in /etc: `ip netns exec` mounts it over the real one. */
  const etcFile = (host: string, name: string, text: string) => {
    mkdirSync(join("/etc/netns", host), { recursive: true });
    writeFileSync(join("/etc/netns", host, name), text);
  };
  return { hosts, ip, inHost, etcFile, serverIP: `${subnet}.1`, clientIP: `${subnet}.2` };
}

/**
 * A lesson script (SERVER or CLIENT) copied alone into an empty folder, far from this project
 * (no node_modules, no depth/), as a student copies it. `run(args, input)` starts it there;
 * `remove()` removes the folder.
 */
export function copiedAlone(script: string) {
  const name = script === SERVER ? "server.ts" : "client.ts";
  const dir = mkdtempSync(join(tmpdir(), `sob-alone-${name[0]}-`));
  copyFileSync(script, join(dir, name));
  return {
    dir,
    run: (args: string[], input: string | Uint8Array = "") =>
      spawn(["bun", "--no-install", name, ...args], { cwd: dir, stdin: new Blob([input]) }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
