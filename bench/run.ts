#!/usr/bin/env bun

// The benchmark: bun run bench
//
// Measures the real server.ts and client.ts on loopback and prints one table, each
// figure beside a ceiling measured in the same run on the same machine: the least a
// Bun program can do for the same job (ceiling-*.ts beside this file). Every figure
// is the median of RUNS runs, ours and the ceiling's taken in turn.
//
//   bun run bench                  the table
//   bun run bench --runs 5         more runs
//   bun run bench --write-readme   also put the table in README.md

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Subprocess } from "bun";

const ROOT = join(import.meta.dir, "..");
const at = (file: string) => join(ROOT, file);
const { values: options } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    only: { type: "string" }, // one measure, by name: round trips, latency, 50 MB line, ...
    "write-readme": { type: "boolean", default: false },
  },
});
const RUNS = Math.max(3, Number(options.runs));
const MESSAGES = 20_000;
const BIG = 50 * 1024 * 1024;
const CLASS = { clients: 1000, messages: 10 };
const FLOOD = 1024 * 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), "sockets-bench-"));

// ---------------------------------------------------------------------------------
// Running the programs.

type Server = {
  proc: Subprocess<"ignore", "pipe" | "ignore", "pipe">;
  port: number;
  listeningMs: number;
  peak: () => number;
};

/**
 * A process's own peak memory in bytes (VmHWM), sampled every 10 ms until it ends.
 * (resourceUsage().maxRSS will not do: Linux counts the parent's peak in a child's.)
 */
function watchMemory(proc: Subprocess): () => number {
  let peak = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${proc.pid}/status`, "utf8");
      peak = Math.max(peak, Number(status.match(/VmHWM:\s+(\d+) kB/)?.[1] ?? 0) * 1024);
    } catch {} // it has ended
  };
  const timer = setInterval(sample, 10);
  proc.exited.then(() => clearInterval(timer));
  sample();
  return () => peak;
}

/** Starts a server and waits for its "Listening on" line on standard error. */
async function startServer(args: string[], stdout: string | "ignore" = "ignore"): Promise<Server> {
  const started = performance.now();
  const proc = Bun.spawn(["bun", ...args], {
    stdin: "ignore",
    stdout: stdout === "ignore" ? "ignore" : Bun.file(stdout),
    stderr: "pipe",
  }) as Server["proc"];
  const reader = proc.stderr.getReader();
  let text = "";
  while (true) {
    const match = text.match(/Listening on \S*?:(\d+)/);
    if (match) {
      const listeningMs = performance.now() - started;
      void (async () => {
        while (!(await reader.read()).done); // keep reading, so that a full pipe never blocks the server
      })();
      return { proc, port: Number(match[1]), listeningMs, peak: watchMemory(proc) };
    }
    const { value, done } = await reader.read();
    if (done) throw new Error(`${args.join(" ")} ended before listening: ${text}`);
    text += new TextDecoder().decode(value);
  }
}

/** Runs a program to its end; returns its standard output and the seconds it took. */
async function run(args: string[], stdin?: Blob): Promise<{ stdout: string; seconds: number }> {
  const started = performance.now();
  const proc = Bun.spawn(["bun", ...args], {
    stdin: stdin ?? "ignore",
    stdout: "pipe",
    stderr: "inherit",
  });
  const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  if (code !== 0) throw new Error(`${args.join(" ")} exited ${code}`);
  return { stdout, seconds: (performance.now() - started) / 1000 };
}

/** Stops a server with Ctrl-C; returns its peak memory in bytes. */
async function stop(server: Server): Promise<number> {
  const peak = server.peak(); // read before it goes
  server.proc.kill("SIGINT");
  await server.proc.exited;
  return peak;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

// ---------------------------------------------------------------------------------
// 1. Round trips: 20,000 short messages, each waiting for its "Got it!".

const lines = Array.from({ length: MESSAGES }, (_, i) => `message ${i}`).join("\n") + "\n";

async function roundTripsOurs() {
  const serverOut = join(work, "server.out");
  const server = await startServer([at("server.ts"), "--port", "0"], serverOut);
  const clientOut = join(work, "client.out");
  const started = performance.now();
  const client = Bun.spawn(["bun", at("client.ts"), "--port", String(server.port)], {
    stdin: new Blob([lines]),
    stdout: Bun.file(clientOut),
    stderr: "inherit",
  });
  if ((await client.exited) !== 0) throw new Error("client.ts failed");
  const seconds = (performance.now() - started) / 1000;
  await server.proc.exited;
  const printed = readFileSync(serverOut, "utf8").split("\n").length - 2;
  const replies = readFileSync(clientOut, "utf8").split("Got it!").length - 1;
  if (printed !== MESSAGES || replies !== MESSAGES)
    throw new Error(`lost: printed ${printed}, replies ${replies}`);
  return { rate: MESSAGES / seconds };
}

/** Our latency, as a person sees it: type a line, wait for "Got it!" and the next prompt. */
async function latencyOurs() {
  const server = await startServer([at("server.ts"), "--port", "0"]);
  const client = Bun.spawn(["bun", at("client.ts"), "--port", String(server.port)], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = client.stdout.getReader();
  const decoder = new TextDecoder();
  const PROMPT = "Type your msg here: ";
  let prompts = 0; // how many prompts the client has printed so far
  let tail = ""; // what came after the last one
  const waitForPrompt = async (n: number) => {
    while (prompts < n) {
      const { value, done } = await reader.read();
      if (done) throw new Error("client.ts ended early");
      const parts = (tail + decoder.decode(value, { stream: true })).split(PROMPT);
      prompts += parts.length - 1;
      tail = parts.at(-1)!;
    }
  };
  await waitForPrompt(1);
  const latencies: number[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const t = performance.now();
    client.stdin.write(`message ${i}\n`);
    client.stdin.flush();
    await waitForPrompt(i + 2);
    latencies.push(performance.now() - t);
  }
  client.stdin.end();
  await client.exited;
  await server.proc.exited;
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function roundTripsCeiling() {
  const server = await startServer([at("bench/ceiling-server.ts")]);
  const started = performance.now();
  const { stdout } = await run([
    at("bench/ceiling-client.ts"),
    String(server.port),
    String(MESSAGES),
  ]);
  const seconds = (performance.now() - started) / 1000;
  await server.proc.exited;
  const { latencies } = JSON.parse(stdout) as { latencies: number[] };
  return {
    rate: MESSAGES / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

// ---------------------------------------------------------------------------------
// 2. One 50 MB line through the client to the server.

const bigLine = join(work, "big.txt");
writeFileSync(bigLine, Buffer.concat([Buffer.alloc(BIG, "a"), Buffer.from("\n")]));

async function bigOurs() {
  const server = await startServer([at("server.ts"), "--port", "0"]);
  const clientStarted = performance.now();
  const client = Bun.spawn(["bun", at("client.ts"), "--port", String(server.port)], {
    stdin: Bun.file(bigLine),
    stdout: "ignore",
    stderr: "inherit",
  });
  await Promise.all([client.exited, server.proc.exited]);
  if (client.exitCode !== 0 || server.proc.exitCode !== 0)
    throw new Error("50 MB: a script failed");
  return { seconds: (performance.now() - clientStarted) / 1000 };
}

async function bigCeiling() {
  const { stdout } = await run([at("bench/ceiling-stream.ts"), String(BIG)]);
  return { seconds: (JSON.parse(stdout) as { seconds: number }).seconds };
}

// ---------------------------------------------------------------------------------
// 3. Start-up: from spawning the server to its "Listening on" line.

async function startup(args: string[]) {
  const server = await startServer(args);
  await stop(server);
  return { ms: server.listeningMs };
}

// ---------------------------------------------------------------------------------
// 4. A class: 1,000 clients at once to --keep-open, 10 messages each.

async function classOf(serverArgs: string[]) {
  const server = await startServer(serverArgs);
  const { stdout } = await run([
    at("bench/class-load.ts"),
    String(server.port),
    String(CLASS.clients),
    String(CLASS.messages),
  ]);
  const peak = await stop(server);
  const { delivered, latencies } = JSON.parse(stdout) as { delivered: number; latencies: number[] };
  return { delivered, p99: percentile(latencies, 99), peakMB: peak / 2 ** 20 };
}

// ---------------------------------------------------------------------------------
// 5. A flood: 1 GB from one client that never reads its replies.

async function flood(serverArgs: string[]) {
  const server = await startServer(serverArgs);
  const { stdout } = await run([at("bench/flood.ts"), String(server.port), String(FLOOD)]);
  const peak = await stop(server);
  return { seconds: (JSON.parse(stdout) as { seconds: number }).seconds, peakMB: peak / 2 ** 20 };
}

// ---------------------------------------------------------------------------------
// The runs, ours and the ceiling's in turn, and the table.

type Sample = Record<string, number>;
async function measure(name: string, ours: () => Promise<Sample>, ceiling: () => Promise<Sample>) {
  if (options.only !== undefined && options.only !== name)
    return { ours: {} as Sample, ceiling: {} as Sample };
  const o: Sample[] = [];
  const c: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    o.push(await ours());
    c.push(await ceiling());
    process.stderr.write(".");
  }
  const med = (samples: Sample[]): Sample =>
    Object.fromEntries(Object.keys(samples[0]!).map((k) => [k, median(samples.map((s) => s[k]!))]));
  process.stderr.write(` ${name}\n`);
  return { ours: med(o), ceiling: med(c) };
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const yes = (ok: boolean) => (ok ? "yes" : "**no**");

try {
  const rt = await measure("round trips", roundTripsOurs, roundTripsCeiling);
  const lat = await measure("latency", latencyOurs, async () => ({}));
  const big = await measure("50 MB line", bigOurs, bigCeiling);
  const up = await measure(
    "start-up",
    () => startup([at("server.ts"), "--port", "0"]),
    () => startup([at("bench/ceiling-server.ts")]),
  );
  const cls = await measure(
    "class of 1,000",
    () => classOf([at("server.ts"), "--port", "0", "--keep-open", "--max-clients", "2000"]),
    () => classOf([at("bench/ceiling-server.ts"), "0", "--keep-open"]),
  );
  const fl = await measure(
    "1 GB flood",
    () => flood([at("server.ts"), "--port", "0"]),
    () => flood([at("bench/ceiling-server.ts")]),
  );

  if (options.only !== undefined) {
    console.log(JSON.stringify({ rt, lat, big, up, cls, fl }));
    process.exit(0);
  }
  const rateRatio = rt.ours.rate! / rt.ceiling.rate!;
  const bigRatio = big.ours.seconds! / big.ceiling.seconds!;
  const upRatio = up.ours.ms! / up.ceiling.ms!;
  const mbps = (s: number) => BIG / 2 ** 20 / s;
  const table = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? "an unknown CPU"} (${cpus().length} cores), Bun ${Bun.version}; medians of ${RUNS} runs.`,
    "",
    "| measure | ours | ceiling (same run) | ours / ceiling | target | met |",
    "| --- | --- | --- | --- | --- | --- |",
    `| 1. round trips, 20,000 messages through \`bun client.ts\` | ${fmt(rt.ours.rate!)} msg/s, none lost | ${fmt(rt.ceiling.rate!)} msg/s | ${fmt(rateRatio, 2)}x rate | ≥ 0.8x | ${yes(rateRatio >= 0.8)} |`,
    `| 1. round-trip latency p50 / p99 | ${fmt(lat.ours.p50!, 3)} / ${fmt(lat.ours.p99!, 3)} ms (typed line to next prompt) | ${fmt(rt.ceiling.p50!, 3)} / ${fmt(rt.ceiling.p99!, 3)} ms | | | |`,
    `| 2. one 50 MB line, client start to server exit | ${fmt(big.ours.seconds!, 2)} s (${fmt(mbps(big.ours.seconds!))} MB/s) | ${fmt(big.ceiling.seconds!, 3)} s (${fmt(mbps(big.ceiling.seconds!))} MB/s) raw loopback | ${fmt(bigRatio, 1)}x time | ≤ 4x | ${yes(bigRatio <= 4)} |`,
    `| 3. start-up to \`Listening on\` | ${fmt(up.ours.ms!, 1)} ms | ${fmt(up.ceiling.ms!, 1)} ms bare \`Bun.listen\` | ${fmt(upRatio, 2)}x | ≤ 1.2x | ${yes(upRatio <= 1.2)} |`,
    `| 4. class: 1,000 clients at once, 10 messages each | ${fmt(cls.ours.delivered!)} of ${fmt(CLASS.clients * CLASS.messages)} delivered; p99 ${fmt(cls.ours.p99!, 1)} ms; server peak ${fmt(cls.ours.peakMB!)} MB | p99 ${fmt(cls.ceiling.p99!, 1)} ms; peak ${fmt(cls.ceiling.peakMB!)} MB | | p99 < 50 ms, < 150 MB | ${yes(cls.ours.delivered === CLASS.clients * CLASS.messages && cls.ours.p99! < 50 && cls.ours.peakMB! < 150)} |`,
    `| 5. flood: 1 GB, replies never read | server peak ${fmt(fl.ours.peakMB!)} MB, ${fmt(fl.ours.seconds!, 2)} s, still serving | peak ${fmt(fl.ceiling.peakMB!)} MB, ${fmt(fl.ceiling.seconds!, 2)} s | | < 150 MB | ${yes(fl.ours.peakMB! < 150)} |`,
  ].join("\n");
  console.log(table);
  if (options["write-readme"]) {
    const readme = readFileSync(at("README.md"), "utf8");
    const place = /(<!-- bench -->\n)[\s\S]*?(<!-- end of bench -->)/;
    if (!place.test(readme)) throw new Error("README.md has no <!-- bench --> place");
    writeFileSync(
      at("README.md"),
      readme.replace(place, (_a, start: string, end: string) => `${start}${table}\n${end}`),
    );
    console.error("README.md: table written.");
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
