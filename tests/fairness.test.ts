// A fair class (--keep-open): what one student does, alone or with a script, never locks
// out, exhausts, drowns or deceives the others (floods on the projector: projector.test.ts). Python peers play the scripts; a second
// loopback address (127.0.0.2, Linux) plays a second computer.

import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  answered,
  cleanUp,
  freePort,
  POSIX,
  PROMPT,
  PYTHON,
  python,
  rawConnect,
  reported,
  runClient,
  SERVER,
  secondAddress,
  spawn,
  spawnInTerminal,
  spawnShell,
  startClient,
  startPeer,
  startServer,
  T,
} from "./harness";

afterEach(cleanUp);
if (!secondAddress) console.error("skipped: a second computer's address needs Linux and Python");

/** A process's state line in /proc (Linux): "Z" once it has ended, until it is reaped. */
/** A process's /proc stat line, or "" once it is gone (it may go while this reads). */
const stat = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return "";
  }
};

describe("nobody holds the room", () => {
  test.skipIf(!secondAddress)(
    "1,000 idle connections from one address never keep a student at another address out; each row the teacher sees of it is within 80 columns",
    async () => {
      const server = await startServer(["--keep-open"], { stdout: "ignore" });
      const crowd = startPeer("crowd.py", [String(server.port), "127.0.0.2", "1000", "idle"]);
      await crowd.waitFor(/ready/, "stdout", 10_000);
      const made =
        /^Closed 127\.0\.0\.2:\d+ to make room for 127\.0\.0\.2:\d+:\n {2}it had sent nothing yet\.$/;
      const all = () => reported(server.stderr, made, "connections closed to make room") === 900;
      await server.waitUntil(all, "900 connections closed to make room");
      const student = await runClient(["--port", String(server.port)], "let me in\n");
      expect(student.stderr).toBe("");
      expect(student.code).toBe(0);
      // Standard error is written in turn, after the reply may have gone: wait for the line.
      await server.waitFor(/Closed 127\.0\.0\.2:\d+ to make room for 127\.0\.0\.1:\d+/);
      // Its lines and the counts of those left out, two addresses and ports in each.
      const rows = server.stderr.split("\n");
      expect(rows.filter((row) => row.length > 80)).toEqual([]);
    },
    T,
  );

  test.skipIf(!secondAddress)(
    "connections from one address that each send a byte now and then give way to a student at another; one more of theirs takes no student's place",
    async () => {
      const server = await startServer(["--keep-open", "--max-clients", "20"]);
      const crowd = startPeer("crowd.py", [String(server.port), "127.0.0.2", "20", "drip"]);
      await server.waitForCount(/Connection from : 127\.0\.0\.2/, 20, "stdout");
      await Bun.sleep(1000); // each of them has sent a byte by now
      const spoke = await rawConnect(server.port, "127.0.0.1");
      spoke.socket.write("hello");
      await spoke.waitFor(/Got it!/);
      // Standard error is written in turn, after the reply may have gone: wait for the line.
      await server.waitFor(/Closed 127\.0\.0\.2:\d+ to make room for 127\.0\.0\.1:\d+/);
      // Turned away, or (once they drip) in the place of one of its own address's drippers.
      const another = startPeer("crowd.py", [String(server.port), "127.0.0.2", "1", "drip"]);
      await server.waitFor(
        /Turned away 127\.0\.0\.2:\d+: the server is full|Closed 127\.0\.0\.2:\d+ to make room for 127\.0\.0\.2:\d+/,
      );
      expect(spoke.closed()).toBe(false);
      void crowd;
      void another;
    },
    T,
  );

  test.skipIf(!secondAddress)(
    "100 addresses, each dripping a byte at a time to hold a place, never keep a student out: the student takes a dripper's place, is answered and shown",
    async () => {
      const server = await startServer(["--keep-open", "--max-clients", "100"]);
      const crowd = startPeer("crowd.py", [String(server.port), "127.0.1.1-100", "100", "drip"]);
      await crowd.waitFor(/dripped/, "stdout", 10_000); // 12 bytes each: a dripper's, not a person's
      for (let n = 0; n < 3; n++) {
        const student = await runClient(["--port", String(server.port)], `student ${n}\n`);
        expect([student.code, student.stdout]).toEqual([0, answered(1) + PROMPT]);
        await server.waitFor(new RegExp(`: student ${n}$`, "m"), "stdout"); // shown
      }
      const made =
        /^Closed 127\.0\.1\.\d+:\d+ to make room for 127\.0\.0\.1:\d+:\n {2}it sent a byte/m;
      await server.waitFor(made);
    },
    T,
  );

  test.skipIf(!secondAddress)(
    "a lab of 30 behind one address, one line a second each, while a churner from the same address connects and closes in a loop: every line of the lab is shown; the churner's joins are counted, not its classmates'",
    async () => {
      const server = await startServer(["--keep-open"]);
      // Python's start is slow on a loaded machine: the test's own limit, not 5 s.
      const lab = startPeer("crowd.py", [String(server.port), "127.0.0.5", "30", "talk"]);
      await lab.waitFor(/ready/, "stdout", T);
      const churner = startPeer("crowd.py", [String(server.port), "127.0.0.5", "1", "churn"]);
      await churner.waitFor(/ready/, "stdout", T);
      await lab.waitFor(/talked/, "stdout", 15_000); // 5 lines each: 150
      const shown = () => server.stdout.match(/^127\.0\.0\.5:\d+: line [1-5]$/gm)?.length ?? 0;
      await server.waitUntil(() => shown() >= 150, "the lab's 150 lines shown");
      expect(shown()).toBe(150);
    },
    T,
  );

  test(
    "a class of 30 on one computer is served with the default options while one of them holds 200 idle connections",
    async () => {
      const server = await startServer(["--keep-open"], { stdout: "ignore" });
      const idle = await Promise.all(Array.from({ length: 200 }, () => rawConnect(server.port)));
      const students = Array.from({ length: 30 }, (_, n) =>
        startClient(["--port", String(server.port)], new Blob([`student ${n}\n`])),
      );
      const codes = await Promise.all(students.map((student) => student.exit()));
      expect(codes).toEqual(Array(30).fill(0));
      for (const student of students) expect(student.stdout).toBe(answered(1) + PROMPT);
      // 200 idle in a room of 100: at least 100 of them gave their places, some to students.
      const made = /^Closed 127\.0\.0\.1:\d+ to make room for 127\.0\.0\.1:\d+:\n {2}it had sent/;
      const all = () => reported(server.stderr, made, "connections closed to make room") >= 100;
      await server.waitUntil(all, "100 connections closed to make room");
      expect(idle.filter((peer) => peer.received() === "Got it!").length).toBe(0);
    },
    T,
  );

  test(
    "a connection that has sent nothing gives its place to a newcomer, and its client says why; exit 1",
    async () => {
      const server = await startServer(["--keep-open", "--max-clients", "2"]);
      const quiet = startClient(["--port", String(server.port)]); // started, nothing typed
      await server.waitFor(/Connection from/, "stdout"); // in the room before the others
      const spoke = await rawConnect(server.port);
      spoke.socket.write("I spoke");
      await spoke.waitFor(/Got it!/);
      const newcomer = await runClient(["--port", String(server.port)], "my turn\n");
      expect(newcomer.code).toBe(0);
      expect(await quiet.exit()).toBe(1);
      expect(quiet.stderr.trim()).toBe(
        "The server closed the connection; its last words:\nThe server is full: your place went to a newcomer, as yours had sent nothing yet.",
      );
      expect(spoke.closed()).toBe(false); // who spoke keeps its place
    },
    T,
  );
});

describe("names cannot be forged", () => {
  test(
    "a line padded to wrap is broken into rows, each named with its real sender (a pipe: 80 columns)",
    async () => {
      const server = await startServer(["--keep-open"]);
      const forger = await rawConnect(server.port);
      const fake = "127.0.0.1:33372: the teacher is wrong, I quit";
      forger.socket.write(`${" ".repeat(200)}${fake} ${"z".repeat(100)}\nConnection from : x\n`);
      await forger.waitFor(/Got it!/);
      await server.waitFor(/Connection from : x/, "stdout");
      const name = `127.0.0.1:${forger.socket.localPort}: `;
      const rows = server.stdout.trim().split("\n").slice(1); // after "Connection from"
      expect(rows.length).toBeGreaterThan(3);
      for (const row of rows) {
        expect(row.startsWith(name)).toBe(true);
        expect(row.length).toBeLessThanOrEqual(80);
      }
      expect(server.stdout).toMatch(/^Connection from : 127\.0\.0\.1:\d+$/m); // the real one
      expect(server.stdout.match(/^Connection from/gm)).toHaveLength(1);
    },
    T,
  );

  test.skipIf(PYTHON === null)(
    "a row of emoji with skin tones, drawn wider than Bun counts them, wraps on no terminal: no text lands where a name starts",
    async () => {
      const server = await startServer(["--keep-open"]);
      const forger = await rawConnect(server.port);
      const fake = "127.0.0.1:54596: I'm done!";
      forger.socket.write(`${"👍🏽".repeat(30)}${fake}\n`);
      await forger.waitFor(/Got it!/);
      await server.waitFor(/I'm done!\n/, "stdout");
      const rows = server.stdout.split("\n").filter((row) => row.includes("👍🏽"));
      const oracle = spawn([python(), join(import.meta.dir, "peers", "widest.py")], {
        stdin: new Blob([rows.join("\n")]),
      });
      expect(await oracle.exit()).toBe(0);
      const widths = oracle.stdout.trim().split("\n").map(Number);
      expect(widths.length).toBeGreaterThanOrEqual(2); // 120 columns of emoji: two rows
      for (const width of widths) expect(width).toBeLessThanOrEqual(80); // a pipe: 80
    },
    T,
  );

  test.skipIf(!POSIX)(
    "a terminal narrower than a name and some text shows no rows (they would wrap) and says how wide it must be; text is held back, counted",
    async () => {
      const port = freePort();
      const server = spawnInTerminal(["bun", SERVER, "--port", String(port), "--keep-open"], 30);
      await server.waitFor(/Listening on/);
      const student = await runClient(["--port", String(port)], "Ana: I quit, says the teacher\n");
      expect(student.code).toBe(0);
      // 127.0.0.1:PORT is 15 columns, ": " 2, and a row needs 20 for text.
      await server.waitFor(/The terminal is 30 columns wide: rows need 37\./);
      await server.waitFor(/1 line held back from the projector/);
      expect(server.screen()).not.toContain("I quit");
      server.proc.kill("SIGINT");
      expect(await server.proc.exited).toBe(130);
    },
    T,
  );

  for (const [noColor, bold] of [
    ["", true],
    ["1", false],
  ] as const) {
    test.skipIf(!POSIX)(
      `on a terminal, rows fit its width and names are ${bold ? "bold" : "plain with NO_COLOR"}; a client's escape codes print as text`,
      async () => {
        const port = freePort();
        const env: Record<string, string> = noColor ? { NO_COLOR: noColor } : {};
        const cols = 60;
        const server = spawnInTerminal(
          ["bun", SERVER, "--port", String(port), "--keep-open"],
          cols,
          env,
        );
        await server.waitFor(/Listening on/);
        const peer = await rawConnect(port);
        peer.socket.write(`\x1b[1m127.0.0.1:1: fake bold ${"w".repeat(100)} END\n`);
        await peer.waitFor(/Got it!/);
        const name = `127.0.0.1:${peer.socket.localPort}`;
        const shownName = bold ? `\x1b[1m${name}\x1b[22m` : name;
        await server.waitFor(/ END\r?\n/);
        const rows = server
          .screen()
          .split(/\r?\n/)
          .filter((row) => row.includes(name) && !row.includes("Connection from"));
        expect(rows.length).toBeGreaterThanOrEqual(3); // 140 columns, in rows of 60
        for (const row of rows) {
          expect(row.startsWith(`${shownName}: `)).toBe(true);
          expect(Bun.stringWidth(row)).toBeLessThanOrEqual(cols);
        }
        expect(rows[0]).toContain("\\u{1b}[1m127.0.0.1:1: fake bold"); // shown, not obeyed
        expect(server.screen()).toContain(`Connection from : ${shownName}`);
        server.proc.kill("SIGINT");
        expect(await server.proc.exited).toBe(130);
      },
      T,
    );
  }
});

describe("a stalled terminal stalls nobody", () => {
  test.skipIf(!POSIX)(
    "Ctrl-S on the server's terminal: students are still answered, and SIGTERM stops it within a second",
    async () => {
      const port = freePort();
      const server = spawnInTerminal(["bun", SERVER, "--port", String(port), "--keep-open"], 80);
      await server.waitFor(/Listening on/);
      server.proc.terminal!.write("\x13"); // Ctrl-S: the terminal takes no more output
      const flooder = await rawConnect(port);
      const flood = flooder.sendAll(new TextEncoder().encode("flood\n".repeat(1 << 20)));
      for (let n = 0; n < 5; n++) {
        const student = await runClient(["--port", String(port), "--timeout", "3"], "hi\n");
        expect(student.stderr).toBe("");
        expect(student.code).toBe(0);
      }
      await flood; // the flooder is answered too
      const stopping = performance.now();
      server.proc.kill("SIGTERM");
      expect(await server.proc.exited).toBe(143);
      expect(performance.now() - stopping).toBeLessThan(1000);
    },
    T,
  );

  test.skipIf(!secondAddress)(
    "standard output into a pipe nobody reads (--keep-open): students are still answered, and SIGTERM stops the server within a second, saying so on standard error",
    async () => {
      const port = String(freePort());
      // `sleep` never reads its standard input: the pipe fills at 64 KiB.
      const shell = spawnShell(`bun "$1" --port "$2" --keep-open | sleep 60`, SERVER, port);
      await shell.waitFor(/Listening on/);
      const crowd = startPeer("crowd.py", [port, "127.0.0.1", "60", "flood"]);
      await crowd.waitFor(/ready/, "stdout", T); // Python starts slowly under load
      for (let n = 0; n < 3; n++) {
        const student = await runClient(["--port", port, "--timeout", "3"], "still there?\n");
        expect(student.code).toBe(0);
      }
      const pid = Number(Bun.spawnSync(["pgrep", "-f", `${SERVER} --port ${port}`]).stdout);
      const stopping = performance.now();
      process.kill(pid, "SIGTERM");
      const gone = (line: string) => line === "" || /\) Z /.test(line); // or a zombie
      const ended = () => gone(stat(pid));
      while (!ended() && performance.now() - stopping < 5000) await Bun.sleep(10);
      expect(performance.now() - stopping).toBeLessThan(1000);
      // Standard error has a queue of its own: the stopped pipe does not hold it back.
      await shell.waitFor(/Stopped by SIGTERM\./);
    },
    T,
  );

  /**
   * A class server whose standard output is a pipe that takes nothing until `moveOn()`, and
   * a crowd of `count` connections from 60 computers that each send one burst, once all
   * have been answered. `before` runs first in the same pipe.
   */
  async function stalledClass(count: number, before = "") {
    const port = String(freePort());
    const go = join(tmpdir(), `sob-go-${process.pid}-${port}`); // the pipe moves once it exists
    const reader = `(while [ ! -e "$3" ]; do sleep 0.05; done; cat)`;
    const server = `bun "$1" --port "$2" --keep-open --max-clients 2000`;
    const shell = spawnShell(`{ ${before} ${server}; } | ${reader}`, SERVER, port, go);
    await shell.waitFor(/Listening on/);
    const crowd = startPeer("crowd.py", [port, "127.0.0.2-61", String(count), "burst"]);
    await crowd.waitFor(/answered/, "stdout", 10_000);
    return { shell, moveOn: () => writeFileSync(go, ""), done: () => rmSync(go, { force: true }) };
  }

  test.skipIf(!secondAddress || !POSIX)(
    "output waiting for a stalled terminal is bounded: past 1 MiB lines are counted, and when it moves again one line says how many were left out",
    async () => {
      // A terminal 4,000 columns wide, stopped (Ctrl-S); 60 computers each show 20 rows of
      // 3,000 characters: the class's 1,000 rows at once are 3 MB.
      const port = String(freePort());
      const command = ["bun", SERVER, "--port", port, "--keep-open", "--max-clients", "2000"];
      const server = spawnInTerminal(command, 4000);
      await server.waitFor(/Listening on/);
      server.proc.terminal!.write("\x13"); // Ctrl-S: the terminal takes no more output
      const crowd = startPeer("crowd.py", [port, "127.0.0.2-61", "60", "longburst"]);
      await crowd.waitFor(/answered/, "stdout", 10_000);
      server.proc.terminal!.write("\x11"); // Ctrl-Q: it moves again
      await server.waitFor(/\(\d+ lines of output left out: the terminal took none\.\)/);
      server.proc.kill("SIGINT");
      expect(await server.proc.exited).toBe(130);
    },
    T,
  );

  // Another program may have set the pipe not to block (Bun's process.stdout does that):
  // then the system says "try again" (EAGAIN) where it would have waited.
  const setNotToBlock = `bun -e "process.stdout.isTTY";`;
  test.skipIf(!secondAddress).each([
    { before: "", pipe: "a stalled pipe" },
    { before: setNotToBlock, pipe: "a stalled pipe that another program set not to block" },
  ])(
    "a class's rows that wait for $pipe are all printed when it moves: none is lost",
    async ({ before }) => {
      // 48 connections, each announced and a burst of 19 rows: 960 rows (within the class's
      // 1,000 at once), 66 kB, more than a pipe holds.
      const { shell, moveOn, done } = await stalledClass(48, before);
      try {
        moveOn();
        const rows = () => shell.stdout.match(/: flooding the projector/g)?.length ?? 0;
        await shell.waitUntil(() => rows() >= 48 * 19, "every row on standard output");
        expect(shell.stderr).not.toContain("left out");
      } finally {
        done();
      }
    },
    T,
  );

  test.skipIf(!POSIX)(
    "alone, the server reads no more while its output waits: the client's goodbye comes once a slow pipe took every chunk, and nothing is left out",
    async () => {
      const port = String(freePort());
      // The pipe's reader starts once a file appears: a second after the line is sent.
      const go = join(tmpdir(), `sob-go-${process.pid}-${port}`);
      const reader = `(until [ -e "$3" ]; do sleep 0.02; done; cat)`;
      const shell = spawnShell(`bun "$1" --port "$2" | ${reader}`, SERVER, port, go);
      await shell.waitFor(/Listening on/);
      const line = "m".repeat(1 << 20);
      const sent = performance.now();
      const wake = setTimeout(() => writeFileSync(go, ""), 1000);
      try {
        const client = await runClient(["--port", port], `${line}\n`);
        expect(client.code).toBe(0);
      } finally {
        clearTimeout(wake);
        rmSync(go, { force: true });
      }
      expect(performance.now() - sent).toBeGreaterThan(900); // the server waited for the pipe
      expect(await shell.exit()).toBe(0);
      // Each chunk read is printed on a line of its own, as Python's print(data) would.
      expect(shell.stdout.replaceAll("\n", "")).toBe(`Connection from : 127.0.0.1${line}`);
    },
    T,
  );
});

describe("the client keeps notices off standard output", () => {
  test(
    "a client turned away prints the notice on standard error only, even when its message went first",
    async () => {
      const server = await startServer(["--keep-open", "--max-clients", "1"], {
        stdout: "ignore",
      });
      const inside = await rawConnect(server.port);
      inside.socket.write("mine");
      await inside.waitFor(/Got it!/);
      for (let n = 0; n < 10; n++) {
        const late = await runClient(["--port", String(server.port)], "me too\n");
        expect(late.code).toBe(1);
        expect(late.stdout).toBe(PROMPT);
        expect(late.stderr).toContain("The server is full (1 at a time): try again later.");
      }
    },
    T,
  );
});
