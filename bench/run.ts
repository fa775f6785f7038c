#!/usr/bin/env bun

// The benchmark: bun run bench
//
// Measures the real server.ts and client.ts on loopback, each figure beside a ceiling
// measured in the same run: the least a Bun program can do for the same job, done correctly
// (ceiling-*.ts), and where it makes sense the tutorial's own Python pair (tutorial-*.py),
// the peer a class would otherwise use. Every row is run RUNS times (default 5), ours and
// the others in turn; figures are medians with [min-max], ratios are taken run by run.
//
//   bun run bench                  the table (bench/README.md says what each row means)
//   bun run bench --runs 7         more runs
//   bun run bench --only flood     one row, by a word of its name
//   bun run bench --write          also put the table in bench/README.md

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Subprocess } from "bun";
import { watchMemory } from "../tests/memory";

const ROOT = join(import.meta.dir, "..");
const at = (file: string) => join(ROOT, file);
const { values: options } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    only: { type: "string" },
    write: { type: "boolean", default: false },
  },
});
const RUNS = Math.max(5, Number(options.runs));
const MESSAGES = 20_000;
const BIG = 50 * 2 ** 20;
const CLASS = { clients: 1000, messages: 10 };
const FLOOD = { bytes: 50 * 2 ** 20, students: 10 };
/** What one student floods the class with, for row 6: bench/flood-class.ts's kinds. */
const FLOODS = {
  newlines: "newlines",
  nuls: "nuls",
  text: "text",
  marks: "one endless character: combining marks on one letter",
  joined: "one endless character: emoji joined by U+200D",
};
const GIGA = 2 ** 30;
const DRIP = { seconds: 60, students: 10 }; // row 8
const PROJECTOR_SECONDS = 5; // row 9 (a ceiling writes about 2 GB in that time)
const PYTHON = Bun.which("python3");
const work = mkdtempSync(join(tmpdir(), "sockets-bench-"));

// ------------------------------------------------------------------------------------------
// Running the programs.

type Server = { proc: Subprocess; port: number; listeningMs: number; peak: () => number };

/** Starts a server (a command line) and waits for its "Listening on" line. */
async function startServer(cmd: string[], stdout = "/dev/null"): Promise<Server> {
  const started = performance.now();
  const proc = Bun.spawn(cmd, { stdin: "ignore", stdout: Bun.file(stdout), stderr: "pipe" });
  const reader = proc.stderr.getReader();
  let text = "";
  while (true) {
    const match = text.match(/Listening on \S*?:(\d+)/);
    if (match) {
      const listeningMs = performance.now() - started;
      void (async () => {
        while (!(await reader.read()).done); // keep reading: a full pipe would block it
      })();
      return { proc, port: Number(match[1]), listeningMs, peak: watchMemory(proc) };
    }
    const { value, done } = await reader.read();
    if (done) throw new Error(`${cmd.join(" ")} ended before listening: ${text}`);
    text += new TextDecoder().decode(value);
  }
}

/** Runs a program to its end; returns its standard output. */
async function run(cmd: string[], stdin: Blob | "ignore" = "ignore"): Promise<string> {
  const proc = Bun.spawn(cmd, { stdin, stdout: "pipe", stderr: "inherit" });
  const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}`);
  return stdout;
}

/** Stops a server with Ctrl-C; returns its peak memory in bytes. */
async function stop(server: Server): Promise<number> {
  const peak = server.peak(); // read before it goes
  server.proc.kill("SIGINT");
  await server.proc.exited;
  return peak;
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

// The pairs: a server and a client that do the tutorial's job.
const PAIRS = {
  ours: { server: ["bun", at("server.ts"), "--port", "0"], client: ["bun", at("client.ts")] },
  ceiling: {
    server: ["bun", at("bench/ceiling-server.ts")],
    client: ["bun", at("bench/ceiling-client.ts")],
  },
  python: {
    server: [PYTHON ?? "python3", at("bench/tutorial-server.py")],
    client: [PYTHON ?? "python3", at("bench/tutorial-client.py")],
  },
};
type Pair = keyof typeof PAIRS;
const clientCmd = (pair: Pair, port: number) =>
  pair === "ours"
    ? [...PAIRS.ours.client, "--port", String(port)]
    : [...PAIRS[pair].client, String(port)];

/** A whole conversation: start the server, pipe `input` through the client, until both end. */
async function conversation(pair: Pair, input: string | Uint8Array, serverOut = "/dev/null") {
  const server = await startServer(PAIRS[pair].server, serverOut);
  const started = performance.now();
  const client = Bun.spawn(clientCmd(pair, server.port), {
    stdin: new Blob([input]),
    stdout: Bun.file(join(work, `${pair}.client.out`)),
    stderr: "inherit",
  });
  const codes = await Promise.all([client.exited, server.proc.exited]);
  if (codes.some((code) => code !== 0)) throw new Error(`${pair}: exit codes ${codes}`);
  const seconds = (performance.now() - started) / 1000; // from the client's start
  return { seconds, whole: seconds + server.listeningMs / 1000 }; // from the server's
}

// ------------------------------------------------------------------------------------------
// The rows. Each returns one run's figures, for each side.

type Figures = Record<string, number>;
const lines = `${Array.from({ length: MESSAGES }, (_, i) => `message ${i}`).join("\n")}\n`;

/** 1. Round trips: 20,000 short messages piped through each pair, nothing lost. */
async function roundTrips(pair: Pair): Promise<Figures> {
  const out = join(work, `${pair}.server.out`);
  const { seconds, whole } = await conversation(pair, lines, out);
  const printed = readFileSync(out, "utf8").split("\n").length - 2;
  const replies =
    readFileSync(join(work, `${pair}.client.out`), "utf8").split("Got it!").length - 1;
  if (printed !== MESSAGES || replies !== MESSAGES)
    throw new Error(`${pair} lost messages: printed ${printed}, replies ${replies}`);
  return { rate: MESSAGES / seconds, whole };
}

/** 2. Latency as a person sees it: a line written to the client, until its next prompt. */
async function latency(pair: Pair): Promise<Figures> {
  const server = await startServer(PAIRS[pair].server);
  const client = Bun.spawn(clientCmd(pair, server.port), {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = client.stdout.getReader();
  const decoder = new TextDecoder();
  const PROMPT = "Type your msg here: ";
  let prompts = 0;
  let tail = "";
  const waitForPrompt = async (n: number) => {
    while (prompts < n) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${pair}: the client ended early`);
      const parts = (tail + decoder.decode(value, { stream: true })).split(PROMPT);
      prompts += parts.length - 1;
      tail = parts.at(-1) ?? "";
    }
  };
  await waitForPrompt(1);
  const latencies: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t = performance.now();
    client.stdin.write(`message ${i}\n`);
    client.stdin.flush();
    await waitForPrompt(i + 2);
    latencies.push(performance.now() - t);
  }
  client.stdin.end();
  await Promise.all([client.exited, server.proc.exited]);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** 3. One 50 MB line through each pair: whole processes, client start until both end. */
const bigLine = Buffer.concat([Buffer.alloc(BIG, "a"), Buffer.from("\n")]);
async function bigLineRow(pair: Pair): Promise<Figures> {
  return { seconds: (await conversation(pair, bigLine)).seconds };
}

/** 4. Start-up: from spawning the server to its "Listening on" line. */
async function startup(cmd: string[]): Promise<Figures> {
  const server = await startServer(cmd);
  await stop(server);
  return { ms: server.listeningMs };
}

/** 5. A class: 1,000 clients at once, 10 messages each, each after the reply before. */
async function classOf(cmd: string[]): Promise<Figures> {
  const server = await startServer(cmd);
  const stdout = await run([
    "bun",
    at("bench/class-load.ts"),
    String(server.port),
    String(CLASS.clients),
    String(CLASS.messages),
  ]);
  const peak = await stop(server);
  const { delivered, latencies } = JSON.parse(stdout) as { delivered: number; latencies: number[] };
  return { delivered, p99: percentile(latencies, 99), peakMB: peak / 2 ** 20 };
}

/** 6. A flood in class: others' round trips while `flooders` send 50 MB each of `kind`. */
async function floodInClass(cmd: string[], kind: string, flooders = 1): Promise<Figures> {
  const server = await startServer(cmd);
  const stdout = await run([
    "bun",
    at("bench/flood-class.ts"),
    String(server.port),
    String(FLOOD.students),
    String(FLOOD.bytes * flooders),
    kind,
    String(flooders),
  ]);
  const peak = await stop(server);
  const { latencies, seconds } = JSON.parse(stdout) as { latencies: number[]; seconds: number };
  return { p99: percentile(latencies, 99), seconds, peakMB: peak / 2 ** 20 };
}

/** 7. A flood of 1 GB from one client that never reads its replies, then one more message. */
async function gigaFlood(cmd: string[]): Promise<Figures> {
  const server = await startServer(cmd);
  const stdout = await run(["bun", at("bench/flood.ts"), String(server.port), String(GIGA)]);
  const peak = server.peak();
  await server.proc.exited; // the flooder ended in order: the server ends too
  const { seconds, stillServing } = JSON.parse(stdout) as {
    seconds: number;
    stillServing: boolean;
  };
  return { seconds, peakMB: peak / 2 ** 20, stillServing: Number(stillServing) };
}

/** 8. Others' round trips for 60 s while one client sends 1-byte segments, never reading. */
async function dripInClass(cmd: string[], kind: "drip" | "quiet"): Promise<Figures> {
  const server = await startServer(cmd);
  const seconds = String(DRIP.seconds);
  const dripper =
    kind === "drip"
      ? run([PYTHON ?? "python3", at("bench/drip.py"), String(server.port), seconds])
      : undefined;
  const stdout = await run([
    "bun",
    at("bench/drip-class.ts"),
    String(server.port),
    String(DRIP.students),
    seconds,
  ]);
  await dripper;
  const peak = await stop(server);
  const { latencies } = JSON.parse(stdout) as { latencies: number[] };
  return { p99: percentile(latencies, 99), peakMB: peak / 2 ** 20 };
}

/** 9. The projector: a flooder's rows a second, and a student's delay from send to row. */
async function projector(cmd: string[]): Promise<Figures> {
  const out = join(work, `projector-${performance.now()}.out`); // a new file each run
  const server = await startServer(cmd, out);
  const stdout = await run([
    "bun",
    at("bench/projector.ts"),
    String(server.port),
    out,
    String(PROJECTOR_SECONDS),
  ]);
  await stop(server);
  rmSync(out); // a ceiling's is about 2 GB
  const { rowsPerSecond, delays } = JSON.parse(stdout) as {
    rowsPerSecond: number;
    delays: number[];
  };
  return { rowsPerSecond, p50: percentile(delays, 50), max: Math.max(...delays) };
}

// ------------------------------------------------------------------------------------------
// Runs, summaries and the table.

type Sides = Record<string, () => Promise<Figures>>;
async function measure(
  name: string,
  sides: Sides,
  runs = RUNS,
): Promise<Record<string, Figures[]>> {
  const results: Record<string, Figures[]> = Object.fromEntries(
    Object.keys(sides).map((k) => [k, []]),
  );
  if (options.only !== undefined && !name.includes(options.only)) return results;
  for (let i = 0; i < runs; i++) {
    for (const [side, once] of Object.entries(sides)) results[side]?.push(await once());
    process.stderr.write(".");
  }
  process.stderr.write(` ${name}\n`);
  return results;
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "-";
const med = (xs: number[]) => percentile(xs, 50);
/** "median [min-max]" of one figure over the runs. */
const spread = (runs: Figures[] | undefined, key: string, digits = 0) => {
  const xs = (runs ?? []).map((r) => r[key] ?? NaN);
  if (xs.length === 0) return "-";
  return `${fmt(med(xs), digits)} [${fmt(Math.min(...xs), digits)}-${fmt(Math.max(...xs), digits)}]`;
};
/** The median, over the runs, of ours / theirs taken run by run. */
const ratio = (ours: Figures[] | undefined, theirs: Figures[] | undefined, key: string) =>
  med((ours ?? []).map((o, i) => (o[key] ?? NaN) / (theirs?.[i]?.[key] ?? NaN)));
const yes = (ok: boolean) => (ok ? "yes" : "**no**");

try {
  const withPython: Sides = PYTHON ? { python: () => roundTrips("python") } : {};
  const rt = await measure("round trips", {
    ours: () => roundTrips("ours"),
    ceiling: () => roundTrips("ceiling"),
    ...withPython,
  });
  const lat = await measure("latency", {
    ours: () => latency("ours"),
    ceiling: () => latency("ceiling"),
  });
  const big = await measure("50 MB line", {
    ours: () => bigLineRow("ours"),
    ceiling: () => bigLineRow("ceiling"),
  });
  const up = await measure(
    "start-up",
    { ours: () => startup(PAIRS.ours.server), ceiling: () => startup(PAIRS.ceiling.server) },
    Math.max(20, RUNS),
  );
  const cls = await measure("class of 1,000", {
    ours: () => classOf([...PAIRS.ours.server, "--keep-open", "--max-clients", "2000"]),
    ceiling: () => classOf([...PAIRS.ceiling.server, "--keep-open"]),
  });
  const floods: Record<string, Record<string, Figures[]>> = {};
  for (const kind of Object.keys(FLOODS))
    floods[kind] = await measure(`flood of ${kind} in class`, {
      ours: () => floodInClass([...PAIRS.ours.server, "--keep-open"], kind),
      ceiling: () => floodInClass([...PAIRS.ceiling.server, "--keep-open"], kind),
    });
  // Thirty connections from one address, each one endless character, against a quiet class.
  const crowd = await measure("30 floods of marks in class", {
    ours: () =>
      floodInClass([...PAIRS.ours.server, "--keep-open", "--max-clients", "100"], "marks", 30),
    quiet: () => floodInClass([...PAIRS.ours.server, "--keep-open"], "marks", 0),
  });
  const giga = await measure("1 GB flood", {
    ours: () => gigaFlood(PAIRS.ours.server),
    ceiling: () => gigaFlood(PAIRS.ceiling.server),
  });

  const drip = await measure(
    "drip in class",
    PYTHON === null
      ? {}
      : {
          ours: () => dripInClass([...PAIRS.ours.server, "--keep-open"], "drip"),
          quiet: () => dripInClass([...PAIRS.ours.server, "--keep-open"], "quiet"),
          ceiling: () => dripInClass([...PAIRS.ceiling.server, "--keep-open"], "drip"),
        },
  );
  const proj = await measure("projector", {
    ours: () => projector([...PAIRS.ours.server, "--keep-open"]),
    ceiling: () => projector([...PAIRS.ceiling.server, "--keep-open"]),
  });

  const rtRatio = ratio(rt.ours, rt.ceiling, "rate");
  const pairRatio = ratio(rt.ours, rt.python, "whole");
  const bigRatio = ratio(big.ours, big.ceiling, "seconds");
  const upMs = med((up.ours ?? []).map((r) => r.ms ?? NaN));
  const clsOk = (cls.ours ?? []).every((r) => r.delivered === CLASS.clients * CLASS.messages);
  const rows = [
    `| 1. round trips: 20,000 messages piped through the client | ${spread(rt.ours, "rate")} msg/s, none lost | ${spread(rt.ceiling, "rate")} msg/s; the tutorial's Python: ${spread(rt.python, "rate")} msg/s | ${fmt(rtRatio, 2)}x | ≥ 0.8x | ${yes(rtRatio >= 0.8)} |`,
    `| 1b. round trips, the whole pair: 20,000 messages, server start until both end, its output to a file (s) | ${spread(rt.ours, "whole", 2)} | the tutorial's Python pair: ${spread(rt.python, "whole", 2)} | ${fmt(pairRatio, 2)}x time | ≤ 1.0x (at least as fast) | ${yes(pairRatio <= 1)} |`,
    `| 2. latency p50 / p99: a line in, to the next prompt (ms) | ${spread(lat.ours, "p50", 3)} / ${spread(lat.ours, "p99", 3)} | ${spread(lat.ceiling, "p50", 3)} / ${spread(lat.ceiling, "p99", 3)} | ${fmt(ratio(lat.ours, lat.ceiling, "p50"), 2)}x p50 | | |`,
    `| 3. one 50 MB line: client start until both end (s) | ${spread(big.ours, "seconds", 2)} | ${spread(big.ceiling, "seconds", 2)} | ${fmt(bigRatio, 2)}x time | ≤ 4x | ${yes(bigRatio <= 4)} |`,
    `| 4. start-up to \`Listening on\` (ms, ${(up.ours ?? []).length} runs) | ${spread(up.ours, "ms", 1)} | ceiling server: ${spread(up.ceiling, "ms", 1)} | | < 50 ms | ${yes(upMs < 50)} |`,
    `| 5. class: 1,000 clients at once, 10 messages each | all delivered: ${clsOk ? "yes" : "no"}; p99 ${spread(cls.ours, "p99", 1)} ms; peak ${spread(cls.ours, "peakMB")} MB | p99 ${spread(cls.ceiling, "p99", 1)} ms; peak ${spread(cls.ceiling, "peakMB")} MB | | p99 < 50 ms, < 150 MB | ${yes(clsOk && med((cls.ours ?? []).map((r) => r.p99 ?? NaN)) < 50 && med((cls.ours ?? []).map((r) => r.peakMB ?? NaN)) < 150)} |`,
    ...Object.entries(floods).map(([kind, f], i) => {
      const r = ratio(f.ours, f.ceiling, "p99");
      const peak = med((f.ours ?? []).map((x) => x.peakMB ?? NaN));
      const what = FLOODS[kind as keyof typeof FLOODS];
      return `| 6${"abcde"[i]}. others' p99 round trip (ms) while one floods 50 MB of ${what} | ${spread(f.ours, "p99", 1)}; server peak ${spread(f.ours, "peakMB")} MB | ${spread(f.ceiling, "p99", 1)} | ${fmt(r, 1)}x | ≤ 2x, < 150 MB | ${yes(r <= 2 && peak < 150)} |`;
    }),
    (() => {
      const r = ratio(crowd.ours, crowd.quiet, "p99");
      const peak = med((crowd.ours ?? []).map((x) => x.peakMB ?? NaN));
      return `| 6f. others' p99 round trip (ms) while 30 connections from one address flood 50 MB each of one endless character (marks) | ${spread(crowd.ours, "p99", 1)}; server peak ${spread(crowd.ours, "peakMB")} MB | a quiet class: ${spread(crowd.quiet, "p99", 2)} | ${fmt(r, 1)}x a quiet class | ≤ 2x a quiet class, < 150 MB | ${yes(r <= 2 && peak < 150)} |`;
    })(),
    `| 7. 1 GB from a client that never reads its replies | ${spread(giga.ours, "seconds", 2)} s; peak ${spread(giga.ours, "peakMB")} MB; served after: ${(giga.ours ?? []).every((r) => r.stillServing === 1) ? "yes" : "no"} | ${spread(giga.ceiling, "seconds", 2)} s; peak ${spread(giga.ceiling, "peakMB")} MB | | < 150 MB | ${yes(med((giga.ours ?? []).map((r) => r.peakMB ?? NaN)) < 150)} |`,
    (() => {
      const r = ratio(drip.ours, drip.quiet, "p99");
      const peak = med((drip.ours ?? []).map((x) => x.peakMB ?? NaN));
      return `| 8. others' p99 round trip (ms) while one sends 1-byte segments for 60 s, never reading | ${spread(drip.ours, "p99", 1)}; server peak ${spread(drip.ours, "peakMB")} MB; a quiet class: ${spread(drip.quiet, "p99", 1)} | ${spread(drip.ceiling, "p99", 1)}; peak ${spread(drip.ceiling, "peakMB")} MB | ${fmt(r, 1)}x a quiet class | ≤ 2x a quiet class, < 150 MB | ${yes(r <= 2 && peak < 150)} |`;
    })(),
    (() => {
      const rows = med((proj.ours ?? []).map((x) => x.rowsPerSecond ?? NaN));
      const worst = Math.max(...(proj.ours ?? []).map((x) => x.max ?? NaN));
      return `| 9. the projector while one floods text for ${PROJECTOR_SECONDS} s: the flooder's rows a second; a student's line, send to row (ms, p50 / max) | ${spread(proj.ours, "rowsPerSecond", 1)} rows/s; ${spread(proj.ours, "p50", 1)} / ${spread(proj.ours, "max", 1)} | ${spread(proj.ceiling, "rowsPerSecond")} rows/s; ${spread(proj.ceiling, "p50", 1)} / ${spread(proj.ceiling, "max", 1)} | | the flooder: 20 rows, then 2 a second; every line < 1,000 ms | ${yes(rows <= (20 + 2 * PROJECTOR_SECONDS) / PROJECTOR_SECONDS + 0.5 && worst < 1000)} |`;
    })(),
  ];
  const table = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? "an unknown CPU"} (${cpus().length} cores), Bun ${Bun.version}; median [min-max] of ${RUNS} runs.`,
    "",
    "| measure | ours | ceiling (same run) | ours / ceiling | target | met |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.filter((row) => options.only === undefined || row.includes(options.only)),
  ].join("\n");
  console.log(table);
  if (options.write) {
    const file = at("bench/README.md");
    const place = /(<!-- bench -->\n)[\s\S]*?(<!-- end of bench -->)/;
    const readme = readFileSync(file, "utf8");
    if (!place.test(readme)) throw new Error("bench/README.md has no <!-- bench --> place");
    writeFileSync(
      file,
      readme.replace(place, (_a, start: string, end: string) => `${start}${table}\n${end}`),
    );
    console.error("bench/README.md: table written.");
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
