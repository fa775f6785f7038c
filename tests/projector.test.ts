// The projector stays readable in a class (--keep-open): a flood of any kind, from one
// student or through many connections, still lets the others' messages through within a
// second, and a flooder is read no faster than the projector shows it. (Split from
// fairness.test.ts so that the two run side by side.)

import { afterEach, describe, expect, test } from "bun:test";
import {
  answered,
  cleanUp,
  PROMPT,
  rawConnect,
  secondAddress,
  startClient,
  startPeer,
  startServer,
  T,
} from "./harness";

afterEach(cleanUp);
if (!secondAddress) console.error("skipped: a second computer's address needs Linux and Python");

/** Rows of the server's standard output that name `who` (an address, or address:port). */
const rowsOf = (stdout: string, who: string) =>
  stdout.split("\n").filter((row) => row.startsWith(who)).length;

describe("the projector stays readable", () => {
  const floods: [string, (n: number) => string][] = [
    ["text", (n) => `a line of a flood, number ${n}\n`.repeat(2000)],
    ["newlines", (n) => `${"\n".repeat(100_000)}after the newlines ${n}\n`],
    ["NULs", () => "\0".repeat(100_000)],
    ["combining marks", () => `e${"\u0301".repeat(50_000)}\n`],
    ["one 50 MB line", () => "y".repeat(1 << 20)],
  ];
  for (const [kind, chunk] of floods) {
    test(
      `a flood of ${kind}: the others' messages still appear within a second; the flooder gets a few rows a second, and what was held back is counted, naming it`,
      async () => {
        const server = await startServer(["--keep-open"]);
        const flooder = await rawConnect(server.port);
        const flooderName = `127.0.0.1:${flooder.socket.localPort}`;
        const started = Date.now(); // its share is counted from here
        let flooding = true;
        const flood = (async () => {
          for (let n = 0; flooding && n < 50; n++) {
            await flooder.sendAll(new TextEncoder().encode(chunk(n)));
          }
        })();
        await server.waitFor(new RegExp(`Connection from : ${flooderName}`), "stdout");
        const student = startClient(["--port", String(server.port)]);
        for (let n = 0; n < 5; n++) {
          const sent = performance.now();
          student.proc.stdin!.write(`student message ${n}\n`);
          await server.waitFor(new RegExp(`: student message ${n}\n`), "stdout", 5000);
          expect(performance.now() - sent).toBeLessThan(1000);
          await Bun.sleep(400); // a person typing
        }
        flooding = false;
        await flood;
        const seconds = (Date.now() - started) / 1000;
        // A first burst of 20 rows, then 2 a second (and "Connection from").
        expect(rowsOf(server.stdout, `${flooderName}: `)).toBeLessThanOrEqual(21 + 2 * seconds);
        flooder.socket.end();
        await server.waitFor(
          new RegExp(
            `${flooderName}: [\\d,]+ bytes in [\\d,]+ lines? held back from the projector`,
          ),
        );
        student.proc.stdin!.end();
        expect(await student.exit()).toBe(0);
        expect(student.stdout).toBe(answered(5) + PROMPT); // everyone is still answered
      },
      T,
    );
  }

  test.skipIf(!secondAddress)(
    "one address flooding through 50 connections: another's messages appear within a second; that address gets 10 rows a second after its first burst",
    async () => {
      const server = await startServer(["--keep-open"]);
      const crowd = startPeer("crowd.py", [String(server.port), "127.0.0.2", "50", "flood"]);
      await crowd.waitFor(/ready/, "stdout", T); // Python starts slowly under load
      const flooding = performance.now(); // the crowd floods from here on
      const student = startClient(["--port", String(server.port)]);
      await server.waitFor(/Connection from : 127\.0\.0\.1/, "stdout");
      const burst = rowsOf(server.stdout, "127.0.0.2");
      // A busy computer may take seconds to let the student in: the address earns its rate.
      const waited = (performance.now() - flooding) / 1000;
      for (let n = 0; n < 3; n++) {
        const sent = performance.now();
        student.proc.stdin!.write(`over the crowd ${n}\n`);
        await server.waitFor(new RegExp(`: over the crowd ${n}\n`), "stdout", 5000);
        expect(performance.now() - sent).toBeLessThan(1000);
        await Bun.sleep(500);
      }
      // In all, its 1,000 at once and 10 a second since it began (while the class's share
      // leaves a few rows for the quiet, what is left of its burst comes later).
      const seconds = (performance.now() - flooding) / 1000;
      expect(burst).toBeLessThanOrEqual(1000 + 10 * waited + 20);
      expect(rowsOf(server.stdout, "127.0.0.2")).toBeLessThanOrEqual(1000 + 10 * seconds + 20);
      await server.waitFor(/127\.0\.0\.2:\d+: [\d,]+ bytes in [\d,]+ lines? held back/, "stderr");
    },
    T,
  );

  test.skipIf(!secondAddress)(
    "thirty connections each sending one endless character (marks piled on one letter): another's messages still appear within a second",
    async () => {
      const server = await startServer(["--keep-open", "--max-clients", "100"]);
      const crowd = startPeer("crowd.py", [String(server.port), "127.0.0.2", "30", "marks"]);
      await crowd.waitFor(/ready/, "stdout", T); // Python starts slowly under load
      const student = startClient(["--port", String(server.port)]);
      await server.waitFor(/Connection from : 127\.0\.0\.1/, "stdout");
      for (let n = 0; n < 3; n++) {
        const sent = performance.now();
        student.proc.stdin!.write(`through the marks ${n}\n`);
        await server.waitFor(new RegExp(`: through the marks ${n}\n`), "stdout", 10_000);
        // Before the share came first, escaping each chunk's marks took 4-6 s a round.
        expect(performance.now() - sent).toBeLessThan(1000);
      }
      // What the projector showed of them: rows of escapes, each named.
      expect(server.stdout).toMatch(/^127\.0\.0\.2:\d+: .*(\\u\{301\}){5}/m);
    },
    T,
  );
});

describe("a flooder is read slowly", () => {
  test(
    "a sender whose text the projector holds back is read at 2 MB a second at most: in its first report, no more than that rate allows",
    async () => {
      const server = await startServer(["--keep-open"]);
      const flooder = await rawConnect(server.port);
      const started = performance.now();
      const report = /127\.0\.0\.1:\d+: ([\d,]+) bytes in 1 line held back/;
      const block = new Uint8Array(1 << 20).fill(0x79); // one endless line of "y"
      // Megabyte after megabyte, until the server says how much it held back.
      void (async () => {
        for (let n = 0; n < 200 && !report.test(server.stderr); n++) await flooder.sendAll(block);
      })();
      const held = Number((await server.waitFor(report, "stderr", 10_000))[1]!.replaceAll(",", ""));
      const seconds = (performance.now() - started) / 1000;
      // Read as fast as it comes, it would be hundreds of megabytes by now.
      expect(held).toBeLessThanOrEqual(2 * 2 ** 20 * seconds + 4 * 2 ** 20);
      flooder.socket.terminate(); // what it still had to send goes nowhere
    },
    T,
  );
});
