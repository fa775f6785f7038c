// scripts/mutate.ts: `bun run mutate`. StrykerJS, with its command runner, in turn on each
// part of the project: the lesson pair against the tests that spawn it, then the depth one
// group of modules at a time, against the tests that name those modules (`-t`). A mutant's
// run then takes the tests that can see it, not the whole suite. At the end, one summary:
// the score of each file, of the lesson pair and of the depth, and the time taken.
//
//   bun run mutate            every part
//   bun run mutate depth      only the parts whose name starts so (lesson, depth-room, ...)

import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const REPORTS = join(ROOT, "reports", "mutation");
const DEPTH_TESTS = "tests/depth.test.ts tests/depth-io.test.ts";

type Part = { name: string; mutate: string[]; command: string; timeoutMS: number };
/** A group of depth modules, and the tests whose names say `depth/<module>.ts`. */
function depthPart(name: string, modules: string[], tested = modules): Part {
  const names = `depth/(${tested.join("|")})\\.ts`;
  return {
    name,
    mutate: modules.map((module) => `depth/${module}.ts`),
    command: `MUTATING=1 bun test --bail ${DEPTH_TESTS} -t '${names}'`,
    timeoutMS: 5000,
  };
}

const PARTS: Part[] = [
  {
    name: "lesson",
    mutate: ["server.ts", "client.ts"],
    // One process, not --parallel: --bail then ends the run at the first failure, where
    // each worker of a parallel run went on to its next file (a killed mutant cost 10-30 s).
    // tests/lesson-suite.ts imports the lesson's test files, the fastest killers first.
    command: "MUTATING=1 bun test --bail ./tests/lesson-suite.ts",
    timeoutMS: 10000,
  },
  depthPart("depth-class", ["class-server", "output", "sending"]),
  depthPart("depth-options", ["options", "names"]),
  depthPart("depth-connect", ["connect", "listening", "server-extras", "client-extras"]),
  depthPart("depth-trace", ["trace", "notes"], ["trace", "notes", "classroom"]),
  depthPart(
    "depth-room",
    ["classroom", "shares", "projector", "escapes"],
    ["classroom", "shares", "projector", "escapes", "names"],
  ),
];

const only = process.argv[2] ?? "";
const chosen = PARTS.filter((part) => part.name.startsWith(only));
if (chosen.length === 0) {
  console.error(`No part is named ${only}: ${PARTS.map((part) => part.name).join(", ")}.`);
  process.exit(2);
}
mkdirSync(REPORTS, { recursive: true });
const started = performance.now();
for (const part of chosen) {
  const config = {
    testRunner: "command",
    commandRunner: { command: part.command },
    mutate: part.mutate,
    mutator: { excludedMutations: ["Regex"] }, // \P{RGI_Emoji} is no pattern: see tests/README.md
    coverageAnalysis: "off",
    concurrency: 2,
    timeoutMS: part.timeoutMS,
    reporters: ["clear-text", "progress", "json"],
    jsonReporter: { fileName: `reports/mutation/${part.name}.json` },
    tempDirName: ".stryker-tmp",
    cleanTempDir: "always",
  };
  rmSync(join(REPORTS, `${part.name}.json`), { force: true }); // no last run's score for this one
  const file = join(REPORTS, `${part.name}.config.json`);
  await Bun.write(file, JSON.stringify(config, null, 2));
  console.error(`\n== ${part.name}: ${part.mutate.join(", ")}`);
  const stryker = Bun.spawn(["bun", "node_modules/.bin/stryker", "run", file], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if ((await stryker.exited) !== 0) console.error(`Stryker stopped on ${part.name}.`);
}

/** Mutants of one file by what became of them. */
type Counts = { detected: number; undetected: number };
const byFile = new Map<string, Counts>();
for (const part of chosen) {
  const path = join(REPORTS, `${part.name}.json`);
  let report: { files: Record<string, { mutants: { status: string }[] }> };
  try {
    report = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    continue; // that part did not finish
  }
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const counts = byFile.get(file) ?? { detected: 0, undetected: 0 };
    for (const { status } of mutants) {
      if (status === "Killed" || status === "Timeout") counts.detected++;
      if (status === "Survived" || status === "NoCoverage") counts.undetected++;
    }
    byFile.set(file, counts);
  }
}
const score = (c: Counts) =>
  ((100 * c.detected) / Math.max(1, c.detected + c.undetected)).toFixed(2);
const sum = (files: string[]) =>
  files.reduce(
    (all, file) => {
      const c = byFile.get(file)!;
      return { detected: all.detected + c.detected, undetected: all.undetected + c.undetected };
    },
    { detected: 0, undetected: 0 },
  );
console.log("\nfile                      score    detected  survived");
for (const [file, c] of [...byFile].sort()) {
  console.log(
    `${file.padEnd(25)} ${score(c).padStart(6)}%  ${String(c.detected).padStart(8)}  ${String(c.undetected).padStart(8)}`,
  );
}
const files = [...byFile.keys()];
const lesson = sum(files.filter((file) => !file.startsWith("depth/")));
const depth = sum(files.filter((file) => file.startsWith("depth/")));
if (lesson.detected + lesson.undetected > 0) console.log(`the lesson pair: ${score(lesson)}%`);
if (depth.detected + depth.undetected > 0) console.log(`the depth: ${score(depth)}%`);
const minutes = (performance.now() - started) / 60_000;
console.log(`in ${Math.floor(minutes)} min ${Math.round((minutes % 1) * 60)} s`);
