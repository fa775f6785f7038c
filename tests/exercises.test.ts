// The exercises run as a student runs them (bun exercises/NAME.ts), and say what they
// promise to show.

import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanUp, POSIX, ROOT, spawnScript, startClient, startServer } from "./harness";

afterEach(cleanUp);

const T = 30_000;
const exercise = (name: string, args: string[] = []) =>
  spawnScript(join(ROOT, "exercises", `${name}.ts`), args);

/**
 * What an exercise printed for a student: rows of 80 columns at most, ending in the
 * question, not its answer; returned with each broken row joined again.
 */
function asked(stdout: string): string {
  for (const row of stdout.split("\n")) expect(row.length).toBeLessThanOrEqual(80);
  expect(stdout).toMatch(/\?\n$/);
  return stdout.replace(/\n {3,}/g, " ");
}

describe("exercises", () => {
  test(
    "lesson 1, 1: three quick writes, and what the server read (usually one read of all three), in rows of 80 columns, ending in a question",
    async () => {
      const run = exercise("three-writes");
      expect(await run.exit()).toBe(0);
      const stdout = asked(run.stdout);
      expect(stdout).toContain("The client wrote three times: one, two, three.");
      const reads = Number(stdout.match(/The server read (\d+) time/)?.[1]);
      expect(reads).toBeGreaterThanOrEqual(1);
      if (reads === 1) expect(stdout).toContain("  onetwothree\n");
      expect(stdout).toMatch(/It answered \d "Got it!"/);
    },
    T,
  );

  test(
    "lesson 1, 2: a line of a million x arrives in pieces, one Got it! each, and is not printed whole; rows of 80 columns, ending in a question",
    async () => {
      const run = exercise("big-message");
      expect(await run.exit()).toBe(0);
      const stdout = asked(run.stdout);
      const pieces = Number(stdout.match(/printed it in (\d+) piece/)?.[1]);
      const lengths = stdout.match(/of these lengths:\n {2}(.*)\n/)?.[1] ?? "";
      const sum = lengths.split(", ").reduce((n, l) => n + Number(l.replaceAll(",", "")), 0);
      expect(sum).toBe(1_000_000);
      expect(stdout).toContain(`The client received ${pieces} "Got it!"`);
      expect(run.stdout).not.toContain("x".repeat(100));
    },
    T,
  );

  test(
    "lesson 2, 1: a second client while the first is connected is told the server is busy; rows of 80 columns, ending in a question",
    async () => {
      const run = exercise("second-client");
      expect(await run.exit()).toBe(0);
      const stdout = asked(run.stdout);
      expect(stdout).toMatch(/The server is busy with another client: try again later\./);
      expect(stdout).toContain("and exits with status 1");
    },
    T,
  );

  test.skipIf(!POSIX)(
    "lesson 1, 3: Ctrl-C on the server after a reply: the client says the server closed the connection, with no reply as last words; Ctrl-C on the client: the server ends as after a goodbye",
    async () => {
      let server = await startServer();
      let client = startClient(["--port", String(server.port)]);
      client.proc.stdin!.write("hello\n");
      await client.waitFor(/Got it!/, "stdout");
      server.proc.kill("SIGINT");
      expect(await client.exit()).toBe(1);
      expect(client.stderr).toBe("The server closed the connection.\n"); // as the answer says
      server = await startServer();
      client = startClient(["--port", String(server.port)]);
      client.proc.stdin!.write("hello\n");
      await client.waitFor(/Got it!/, "stdout");
      client.proc.kill("SIGINT");
      expect(await client.exit()).toBe(130);
      expect(await server.exit()).toBe(0); // an end in order, not an error
      expect(server.stderr).not.toContain("abruptly");
    },
    T,
  );

  test(
    "lesson 2, 2: with newline-delimited messages, three in one write are three messages, three replies",
    async () => {
      const server = exercise("lines-server", ["--port", "0"]);
      const port = (await server.waitFor(/Listening on \S+:(\d+)/))[1]!;
      const client = exercise("lines-client", ["--port", port]);
      expect(await client.exit()).toBe(0);
      expect(client.stdout).toContain("Three messages in one write: Got it! / Got it! / Got it!");
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe(
        "Connection from : 127.0.0.1\none\ntwo\nthree\nhello\nhow are you?\n",
      );
    },
    T,
  );

  for (const [name, lowest] of [
    ["lines-server", 0],
    ["chat-server", 0],
    ["chat-start", 0],
    ["chat-steps", 0],
    ["lines-client", 1],
    ["chat-client", 1],
  ] as const)
    for (const port of ["abc", "", "0x10", "65536", "-1"])
      test(`${name} --port "${port}": one line that says what a port is, and the usage; exit 2`, async () => {
        const run = exercise(name, [`--port=${port}`]);
        expect(await run.exit()).toBe(2);
        const [line, usage] = run.stderr.trim().split("\n");
        expect(line).toBe(`--port takes a whole number from ${lowest} to 65535, not "${port}"`);
        expect(usage).toStartWith("usage: bun ");
      });

  test("chat-client 1337 (a port typed as the address): one line, exit 2, nothing sent", async () => {
    const run = exercise("chat-client", ["1337"]);
    expect(await run.exit()).toBe(2);
    expect(run.stderr).toStartWith('"1337" is not one address, such as 192.168.1.20\n');
  });

  test(
    "lines-client against a server that never sends a newline: one line says so at once, memory bounded; exit 1",
    async () => {
      const block = new Uint8Array(1 << 20).fill(0x78);
      using endless = Bun.listen({
        hostname: "127.0.0.1",
        port: 0,
        socket: { open: (s) => void s.write(block), drain: (s) => void s.write(block), data() {} },
      });
      const run = exercise("lines-client", ["--port", String(endless.port)]);
      const peak = run.watchMemory();
      expect(await run.exit()).toBe(1);
      expect(run.stderr.trim()).toBe(
        "No whole reply (ending in a newline): is it lines-server.ts that runs there?",
      );
      expect(peak()).toBeLessThan(150 * 2 ** 20);
    },
    T,
  );
});
