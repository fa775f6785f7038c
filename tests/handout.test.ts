// HANDOUT.md stays true: its commands are ones the scripts take, and the messages it
// explains are, word for word, what the scripts print when that happens.

import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CLIENT,
  cleanUp,
  freePort,
  ROOT,
  rawConnect,
  runClient,
  SERVER,
  spawn,
  spawnScript,
  startServer,
  T,
} from "./harness";

afterEach(cleanUp);

const handout = readFileSync(join(ROOT, "HANDOUT.md"), "utf8");
/** The handout's own words for a message: the quoted line that starts with `start`. */
const quoted = (start: string) => handout.match(new RegExp(`^- \`(${start}[^\`]*)\`$`, "m"))?.[1];

describe("HANDOUT.md", () => {
  test("fits on one printed page: at most 60 lines", () => {
    expect(handout.trimEnd().split("\n").length).toBeLessThanOrEqual(60);
  });

  test("every command it shows is one the scripts take", async () => {
    const commands = [...handout.matchAll(/`bun (server|client)\.ts([^`]*)`/g)];
    expect(commands.length).toBeGreaterThanOrEqual(6);
    for (const [, name, args] of commands) {
      // The same command with --help: parsed as given (a mistake would exit 2), then help.
      const proc = spawnScript(name === "server" ? SERVER : CLIENT, [
        ...(args ?? "").trim().split(/\s+/).filter(Boolean),
        "--help",
      ]);
      expect([`bun ${name}.ts${args}`, await proc.exit()]).toEqual([`bun ${name}.ts${args}`, 0]);
    }
  }, 30_000);

  test(
    "'Connection refused' is what the client prints when nobody listens",
    async () => {
      const port = freePort();
      const client = await runClient(["--port", String(port)], "hi\n");
      expect(client.stderr.trim().replaceAll(String(port), "1337")).toBe(
        quoted("Connection refused")!,
      );
    },
    T,
  );

  test(
    "'No answer' is what the client prints when the system gives up on a connect",
    async () => {
      const run = spawn(
        ["bun", "--preload", join(ROOT, "tests", "peers", "fail-with.ts"), CLIENT, "192.168.1.20"],
        { env: { FAIL_WITH: "ETIMEDOUT" } },
      );
      await run.exit();
      const [what, check] = run.stderr.trim().split("\n");
      expect(what).toBe(quoted("No answer")!);
      expect(handout).toContain(`${what}\`\n  \`${check}\``);
    },
    T,
  );

  test(
    "'Port 1337 is in use' is what the server prints when another holds the port",
    async () => {
      const other = await startServer(["--keep-open"]);
      const second = spawnScript(SERVER, ["--port", String(other.port)]);
      expect(await second.exit()).toBe(1);
      expect(second.stderr.trim().replaceAll(String(other.port), "1337")).toBe(quoted("Port")!);
    },
    T,
  );

  test(
    "'The server is busy' is what a second client hears while the first is served",
    async () => {
      const server = await startServer();
      await rawConnect(server.port);
      await server.waitFor(/Connection from/, "stdout");
      const second = await runClient(["--port", String(server.port)], "");
      expect(second.code).toBe(1);
      // Two rows: the close, then the server's own words on a row of their own.
      const [close, words] = second.stderr.trim().split("\n");
      expect(close).toBe(quoted("The server closed")!);
      expect(handout).toContain(`${close}\`\n  \`${words}\``);
    },
    T,
  );
});
