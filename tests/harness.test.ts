// The harness keeps its promise: a bun test that is killed leaves nothing running, and
// what a killed run left (its network namespaces) the next run removes.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanUp, removeLeftovers, spawn, T } from "./harness";

afterEach(cleanUp);

const onLinux = process.platform === "linux" && Bun.which("setpriv") !== null;
if (!onLinux) console.error("skipped: ending with the parent needs Linux and setpriv");
/** Whether a process still runs: not ended, and not a zombie waiting to be reaped. */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false; // no such process
  }
};

describe("nothing is left behind", () => {
  test.skipIf(!onLinux)(
    "a bun test killed in the middle of a test leaves no server running",
    async () => {
      // A test file of its own that starts a server, prints its pid, and waits for ever.
      const dir = mkdtempSync(join(tmpdir(), "sob-h-"));
      try {
        const file = join(dir, "left.test.ts");
        const harness = join(import.meta.dir, "harness.ts");
        writeFileSync(
          file,
          `import { test } from "bun:test";\nimport { startServer } from ${JSON.stringify(harness)};\n` +
            `test("waits", async () => {\n  const server = await startServer();\n` +
            `  console.log("server pid", server.proc.pid);\n  await new Promise(() => {});\n}, 60_000);\n`,
        );
        const run = spawn(["bun", "test", file], { cwd: dir });
        const pid = Number((await run.waitFor(/server pid (\d+)/, "stdout", 10_000))[1]);
        expect(alive(pid)).toBe(true);
        run.proc.kill("SIGKILL");
        await run.exit();
        const deadline = Date.now() + 2000; // a bound on the wait, not a speed
        while (alive(pid) && Date.now() < deadline) await Bun.sleep(10);
        expect(alive(pid)).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    T,
  );

  test.skipIf(!onLinux || !Bun.which("setsid"))(
    "a bun test killed in the middle of a test leaves no pipeline running: not its shell, nor what the shell started",
    async () => {
      // A test file of its own that starts a pipeline (a server into a reader), prints the
      // server's pid, and waits for ever.
      const dir = mkdtempSync(join(tmpdir(), "sob-h-"));
      try {
        const file = join(dir, "left.test.ts");
        const harness = join(import.meta.dir, "harness.ts");
        writeFileSync(
          file,
          `import { test } from "bun:test";\nimport { spawnShell } from ${JSON.stringify(harness)};\n` +
            `test("waits", async () => {\n` +
            `  const shell = spawnShell('{ sleep 600 & echo "server pid $!"; wait; } | cat');\n` +
            `  await shell.waitFor(/server pid/, "stdout");\n` +
            `  console.log(shell.stdout.trim());\n  await new Promise(() => {});\n}, 60_000);\n`,
        );
        const run = spawn(["bun", "test", file], { cwd: dir });
        const pid = Number((await run.waitFor(/server pid (\d+)/, "stdout", 10_000))[1]);
        expect(alive(pid)).toBe(true);
        run.proc.kill("SIGKILL");
        await run.exit();
        const deadline = Date.now() + 2000; // a bound on the wait, not a speed
        while (alive(pid) && Date.now() < deadline) await Bun.sleep(10);
        expect(alive(pid)).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    T,
  );

  const canNamespace = process.getuid?.() === 0 && Bun.which("ip") !== null && onLinux;
  if (!canNamespace) console.error("skipped: removing leftover namespaces needs root and ip");
  test.skipIf(!canNamespace)(
    "a network namespace whose run has ended is removed by the next run; a live run's stays",
    async () => {
      const ended = spawn(["true"]);
      await ended.exit(); // its pid is now the pid of a run that is gone
      const gone = `sob-left-${ended.proc.pid}`;
      const live = `sob-live-${process.pid}`;
      try {
        for (const ns of [gone, live]) Bun.spawnSync(["ip", "netns", "add", ns]);
        removeLeftovers();
        const list = Bun.spawnSync(["ip", "netns", "list"]).stdout.toString();
        expect(list).not.toContain(gone);
        expect(list).toContain(live);
      } finally {
        for (const ns of [gone, live])
          Bun.spawnSync(["ip", "netns", "del", ns], { stderr: "ignore" });
      }
    },
    T,
  );
});
