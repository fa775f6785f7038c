// The seam between the lesson and depth/ is typed: server.ts and client.ts reach depth/ by
// a path written out, so TypeScript checks each call across. Were the seam `any` (a path
// built at run time), a misspelt call would type-check: this test would then fail.

import { expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, spawn } from "./harness";

/** A call the lesson makes into depth/, and the same call gone wrong. */
const MISTAKES = [
  ["server.ts", "depth?.banner(named, server.port)", "depth?.bannr(named, server.port)"],
  ["server.ts", "depth.serveClass(options)", "depth.serveClass(options.port)"],
  ["server.ts", "depth.serverOptions(args)", "depth.serverOptions(args, 5)"],
  ["client.ts", "depth.connect<Talk>(how, options)", "depth.conect<Talk>(how, options)"],
  ["client.ts", "depth.clientOptions(args)", "depth.clientOptions(args.join())"],
] as const;

test("a misspelt or mistyped call from server.ts or client.ts into depth/ fails the type check: the seam is never any", async () => {
  const made: string[] = []; // beside depth/, so that "./depth/..." resolves as in the lesson
  const config = join(ROOT, `seam-check-${process.pid}.json`);
  try {
    MISTAKES.forEach(([script, right, wrong], n) => {
      const source = readFileSync(join(ROOT, script), "utf8");
      expect([script, source.includes(right)]).toEqual([script, true]);
      const file = `seam-check-${process.pid}-${n}.ts`;
      writeFileSync(join(ROOT, file), source.replace(right, wrong));
      made.push(file);
    });
    const files = { extends: "./tsconfig.json", include: [], files: made };
    writeFileSync(config, JSON.stringify(files));
    const tsc = spawn(["bun", join(ROOT, "node_modules/typescript/bin/tsc"), "-p", config]);
    expect(await tsc.exit()).not.toBe(0);
    // One error in each copy, on the line of the mistake.
    for (const file of made) expect(tsc.stdout).toContain(`${file}(`);
    expect(tsc.stdout).toContain("Property 'bannr' does not exist");
    expect(tsc.stdout).toContain("Property 'conect' does not exist");
  } finally {
    for (const file of made) rmSync(join(ROOT, file), { force: true });
    rmSync(config, { force: true });
  }
}, 60_000);
