#!/usr/bin/env bun

// Makes the terminal transcripts in WALKTHROUGH.md from a real run of server.ts and
// client.ts, so that they never drift from what the scripts print.
//
//   bun scripts/transcripts.ts          rewrite the transcripts in WALKTHROUGH.md
//   bun scripts/transcripts.ts --check  exit 1 if they differ from a fresh run
//
// Each program runs on a pseudo-terminal, as in a student's terminal (typed text is
// echoed). The "computers" are two network namespaces joined by a virtual cable,
// made here and removed at the end, so the addresses and the port are the same on
// every run: this needs root and the ip command (iproute2), on Linux.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";

const ROOT = join(import.meta.dir, "..");
const WALKTHROUGH = join(ROOT, "WALKTHROUGH.md");
const SERVER_IP = "10.213.0.20";
const CLIENT_IP = "10.213.0.31";
// Names no other run shares; a test passes its own tag, to remove them even if this is killed.
const TAG = process.env.SOB_TAG ?? `${process.pid}`;
const HOSTS = { server: `sob-ts-${TAG}`, client: `sob-tc-${TAG}` };

/** One program in a terminal: what the terminal shows, and a way to type. */
class Terminal {
  screen = "";
  private waiters: (() => void)[] = [];
  readonly proc: Subprocess;

  constructor(host: string, args: string[]) {
    this.proc = Bun.spawn(["ip", "netns", "exec", host, "bun", ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1" },
      terminal: {
        cols: 100,
        rows: 40,
        data: (_t, bytes) => {
          this.screen += new TextDecoder().decode(bytes).replaceAll("\r\n", "\n");
          for (const wake of this.waiters.splice(0)) wake();
        },
      },
    });
  }

  /** Waits until the screen shows `text` `times` times. */
  async waitFor(text: string, times = 1, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.screen.split(text).length - 1 < times) {
      if (Date.now() > deadline) throw new Error(`no "${text}" on the screen:\n${this.screen}`);
      await new Promise<void>((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, 50);
      });
    }
  }

  type(text: string): void {
    this.proc.terminal!.write(text);
  }

  async exit(): Promise<number> {
    const code = await this.proc.exited;
    await Bun.sleep(50); // let the terminal hand over the last of its output
    return code;
  }
}

function ip(...args: string[]): void {
  const run = Bun.spawnSync(["ip", ...args], { stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`ip ${args.join(" ")}: ${run.stderr.toString().trim()}`);
}

/**
 * Two network namespaces joined by a virtual cable whose ends are created inside them (so
 * no name is shared with another run), each end called eth0, as on a real computer.
 * Waits until the cable has carrier on both ends: before that, connects are refused.
 */
async function makeComputers(): Promise<void> {
  ip("netns", "add", HOSTS.server);
  ip("netns", "add", HOSTS.client);
  ip(
    "link",
    "add",
    "eth0",
    "netns",
    HOSTS.server,
    "type",
    "veth",
    "peer",
    "eth0",
    "netns",
    HOSTS.client,
  );
  ip("-n", HOSTS.server, "addr", "add", `${SERVER_IP}/24`, "dev", "eth0");
  ip("-n", HOSTS.client, "addr", "add", `${CLIENT_IP}/24`, "dev", "eth0");
  for (const host of [HOSTS.server, HOSTS.client]) {
    ip("-n", host, "link", "set", "lo", "up");
    ip("-n", host, "link", "set", "eth0", "up");
  }
  const deadline = Date.now() + 10_000;
  for (const host of [HOSTS.server, HOSTS.client]) {
    while (
      !Bun.spawnSync(["ip", "-n", host, "link", "show", "eth0"])
        .stdout.toString()
        .includes("LOWER_UP")
    ) {
      if (Date.now() > deadline) throw new Error(`no carrier on ${host}'s eth0 within 10 s`);
      await Bun.sleep(20);
    }
  }
}

function removeComputers(): void {
  for (const host of Object.values(HOSTS))
    Bun.spawnSync(["ip", "netns", "del", host], { stderr: "ignore" });
}

/** A command run on the server's computer, as a transcript: `$ command`, then its output. */
function onServer(command: string[]): string {
  const run = Bun.spawnSync(["ip", "netns", "exec", HOSTS.server, ...command]);
  const shown = command.map((word) => (/[\s=()]/.test(word) ? `'${word}'` : word)).join(" ");
  return `$ ${shown}\n${run.stdout.toString().trimEnd()}`;
}

/** What the system's own tool lists while a client is connected: ss on Linux. */
let sockets = "";

/** Starts capturing the packets of port 1337 on the server's eth0 (scripts/capture.py). */
async function startCapture(): Promise<{ stop(): Promise<string> }> {
  const command = ["python3", "scripts/capture.py", "eth0"];
  const proc = Bun.spawn(["ip", "netns", "exec", HOSTS.server, ...command], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  // "ready" comes on standard error, once it listens; the packets on standard output.
  const errors = proc.stderr.getReader();
  let said = "";
  while (!said.includes("ready\n")) {
    const { value, done } = await errors.read();
    if (done) throw new Error(`scripts/capture.py did not start: ${said.trim()}`);
    said += new TextDecoder().decode(value);
  }
  const reader = proc.stdout.getReader();
  let text = "";
  let wake = () => {};
  const rest = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      text += new TextDecoder().decode(r.value);
      wake();
    }
  })();
  // The end: both FINs, and the ACK of the last one.
  const ended = () => /Flags \[F\.\][\s\S]*Flags \[F\.\][^\n]*\n[^\n]+\n/.test(text);
  return {
    async stop() {
      const deadline = Date.now() + 2000;
      while (!ended() && Date.now() < deadline) {
        await new Promise<void>((woken) => {
          wake = woken;
          setTimeout(woken, 100);
        });
      }
      proc.kill("SIGTERM");
      await rest;
      return `$ ${command.join(" ")}\n${text.trimEnd()}`;
    },
  };
}

/** The tutorial's test: start the server, start the client, type two messages, Ctrl-D. */
async function conversation(
  clientHost: string,
  clientArgs: string[],
  serverArgs: string[] = [],
): Promise<{ server: string; client: string }> {
  const server = new Terminal(HOSTS.server, ["server.ts", ...serverArgs]);
  let client: Terminal | undefined;
  try {
    await server.waitFor("Listening on");
    client = new Terminal(clientHost, ["client.ts", ...clientArgs]);
    await client.waitFor("Type your msg here: ");
    await server.waitFor("Connection from : ");
    if (clientHost === HOSTS.client && serverArgs.length === 0) {
      const listening = onServer(["ss", "-tln", "sport = :1337"]);
      sockets = `${listening}\n${onServer(["ss", "-tn", "sport = :1337"])}`;
    }
    for (const [n, message] of ["Hello, server!", "How are you?"].entries()) {
      client.type(`${message}\r`);
      await server.waitFor(`${message}\n`);
      await client.waitFor("Type your msg here: ", n + 2);
    }
    client.type("\x04"); // Ctrl-D: end of input
    const codes = [await client.exit(), await server.exit()];
    if (codes.some((code) => code !== 0)) throw new Error(`exit codes ${codes}`);
    return {
      server: `$ bun ${["server.ts", ...serverArgs].join(" ")}\n${server.screen}$`,
      client: `$ bun ${["client.ts", ...clientArgs].join(" ")}\n${client.screen}$`,
    };
  } finally {
    server.proc.kill();
    client?.proc.kill();
  }
}

/** The transcripts, by the name of their place in WALKTHROUGH.md. */
export async function makeTranscripts(): Promise<Record<string, string>> {
  try {
    await makeComputers();
    const local = await conversation(HOSTS.server, []);
    // One port for the client's side, so that the listing is the same on every run.
    const range = "net.ipv4.ip_local_port_range=50000 50000";
    ip("netns", "exec", HOSTS.client, "sysctl", "-qw", range);
    const capture = await startCapture();
    const remote = await conversation(HOSTS.client, [SERVER_IP]);
    const packets = await capture.stop();
    // The last port is still held a while (TIME_WAIT): the next run gets the next one.
    ip("netns", "exec", HOSTS.client, "sysctl", "-qw", "net.ipv4.ip_local_port_range=50001 50001");
    const traced = await conversation(HOSTS.client, [SERVER_IP], ["--trace"]);
    return {
      sockets,
      packets,
      "trace-server": traced.server,
      "local-server": local.server,
      "local-client": local.client,
      "remote-server": remote.server,
      "remote-client": remote.client,
    };
  } finally {
    removeComputers();
  }
}

/** WALKTHROUGH.md with each transcript put in its place. */
export function withTranscripts(text: string, transcripts: Record<string, string>): string {
  for (const [name, transcript] of Object.entries(transcripts)) {
    const place = new RegExp(
      `(<!-- transcript: ${name} -->\\n)[\\s\\S]*?(<!-- end of transcript -->)`,
    );
    if (!place.test(text))
      throw new Error(`WALKTHROUGH.md has no place for the transcript ${name}`);
    text = text.replace(
      place,
      (_all, start: string, end: string) => `${start}\`\`\`console\n${transcript}\n\`\`\`\n${end}`,
    );
  }
  return text;
}

/**
 * A text as --check compares it: without the packets that only acknowledge ("[.], length
 * 0") after the handshake. When they go is the kernel's affair (a delayed ACK rides on the
 * reply, or goes alone when the other side is slow, as under load): the rest is the run's.
 */
export function comparable(text: string): string {
  const handshake = /(Flags \[S\.\], length 0\n[^\n]+\n)/; // the third packet stays
  const [before, after = ""] = text.split(handshake.exec(text)?.[0] ?? "\0");
  const rest = after.replace(/^IP [^\n]* Flags \[\.\], length 0\n/gm, "");
  return `${before}${handshake.exec(text)?.[0] ?? ""}${rest}`;
}

if (import.meta.main) {
  const old = readFileSync(WALKTHROUGH, "utf8");
  const fresh = withTranscripts(old, await makeTranscripts());
  if (process.argv.includes("--check")) {
    if (comparable(fresh) !== comparable(old)) {
      console.error(
        "The transcripts in WALKTHROUGH.md differ from a fresh run: bun scripts/transcripts.ts",
      );
      process.exit(1);
    }
    console.error("The transcripts in WALKTHROUGH.md match a fresh run.");
  } else {
    writeFileSync(WALKTHROUGH, fresh);
    console.error("WALKTHROUGH.md: transcripts written.");
  }
}
