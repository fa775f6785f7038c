// The harness keeps its promise: a bun test that is killed leaves nothing running, a test
// that leaves a process behind fails, and what a killed run left (its network namespaces)
// the next run removes.

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

/**
 * Runs `body` (a test's body, with `harness` the path to import it from) as a test file of
 * its own, which prints "server pid N" and waits for ever; kills that bun test with SIGKILL,
 * and whether process N is still alive a bounded while later.
 */
async function killedMidTest(imports: string, body: string): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), "sob-h-"));
  try {
    const file = join(dir, "left.test.ts");
    const harness = JSON.stringify(join(import.meta.dir, "harness.ts"));
    const head = `import { test } from "bun:test";\nimport { ${imports} } from ${harness};\n`;
    const waits = `test("waits", async () => {\n${body}  await new Promise(() => {});\n}, 60_000);\n`;
    writeFileSync(file, head + waits);
    const run = spawn(["bun", "test", file], { cwd: dir });
    const pid = Number((await run.waitFor(/server pid (\d+)/, "stdout", 10_000))[1]);
    expect(alive(pid)).toBe(true);
    run.proc.kill("SIGKILL");
    await run.exit();
    const deadline = Date.now() + 2000; // a bound on the wait, not a speed
    while (alive(pid) && Date.now() < deadline) await Bun.sleep(10);
    return alive(pid);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("nothing is left behind", () => {
  test.skipIf(!onLinux)(
    "a bun test killed in the middle of a test leaves no server running",
    async () => {
      const body =
        "  const server = await startServer();\n" +
        '  console.log("server pid", server.proc.pid);\n';
      expect(await killedMidTest("startServer", body)).toBe(false);
    },
    T,
  );

  test.skipIf(!onLinux || !Bun.which("setsid"))(
    "a bun test killed in the middle of a test leaves no pipeline running: not its shell, nor what the shell started",
    async () => {
      // A pipeline: a "server" (sleep) in a group with a reader; its pid is printed.
      const body =
        `  const shell = spawnShell('{ sleep 600 & echo "server pid $!"; wait; } | cat');\n` +
        '  await shell.waitFor(/server pid/, "stdout");\n' +
        "  console.log(shell.stdout.trim());\n";
      expect(await killedMidTest("spawnShell", body)).toBe(false);
    },
    T,
  );

  test.skipIf(!onLinux)(
    "a test that leaves a process behind (a shell ended without what it started) fails, naming it, and the process is killed",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "sob-h-"));
      try {
        const file = join(dir, "leaves.test.ts");
        const harness = JSON.stringify(join(import.meta.dir, "harness.ts"));
        const shell = `'sleep 600 >/dev/null 2>&1 & echo "left pid $!"'`;
        writeFileSync(
          file,
          `import { afterEach, test } from "bun:test";\n` +
            `import { cleanUp, spawn } from ${harness};\n` +
            "afterEach(cleanUp);\n" +
            `test("leaves", async () => {\n` +
            `  const shell = spawn(["sh", "-c", ${shell}]);\n` +
            "  await shell.exit();\n" +
            "  console.log(shell.stdout.trim());\n" +
            "});\n",
        );
        const run = spawn(["bun", "test", file], { cwd: dir });
        expect(await run.exit()).toBe(1);
        const pid = Number(run.stdout.match(/left pid (\d+)/)?.[1]);
        expect(pid).toBeGreaterThan(0);
        expect(run.stderr).toContain(`left behind, now killed: ${pid} sleep 600`);
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
