// A class is also an adversary: resets at the worst moment, suspended peers, floods, endless
// input, servers that talk without being asked. Nothing one of them does may stop the lesson.

import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import {
  CLIENT,
  cleanUp,
  freePort,
  hasStackTrace,
  oneLine,
  POSIX,
  PROMPT,
  PYTHON,
  python,
  rawConnect,
  reported,
  runClient,
  SERVER,
  spawn,
  spawnInTerminal,
  spawnScript,
  startClient,
  startServer,
  T,
  waiting,
} from "./harness";

afterEach(cleanUp);

const onLinux = process.platform === "linux";

/** A listener of our own on 127.0.0.1 playing a server that misbehaves; `using` stops it. */
function listen(handlers: Parameters<typeof Bun.listen>[0]["socket"]) {
  return Bun.listen({ hostname: "127.0.0.1", port: 0, allowHalfOpen: true, socket: handlers });
}

describe("no error of one connection ends the server", () => {
  for (const mode of [["--keep-open"], []]) {
    test.skipIf(!PYTHON || !POSIX)(
      `50 connections reset before the server accepts them: told plainly (the class: each, 20 a second; the lesson: the first, then a count), none ends the server (${mode[0] ?? "single mode"})`,
      async () => {
        const server = await startServer(mode);
        const student = await rawConnect(server.port);
        await server.waitFor(/Connection from/, "stdout");
        // Suspend the server, let a connection arrive and reset (SO_LINGER 0), then go on:
        // the server meets a connection that is already gone when it accepts it.
        server.proc.kill("SIGSTOP");
        const reset = Bun.spawnSync([
          python(),
          "-c",
          "import socket, struct, sys\n" +
            "for _ in range(50):\n" +
            "  s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n" +
            "  s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))\n" +
            "  s.close()",
          String(server.port),
        ]);
        expect(reset.exitCode).toBe(0);
        server.proc.kill("SIGCONT");
        // In a class, each is reported, 20 lines a second at most, then how many more. The
        // lesson names the first, and counts the rest with the others it turned away.
        const line = /^A client reset its connection before (the server could take it|it began)\.$/;
        const all = () => reported(server.stderr, line, "resets") === 50;
        if (mode.length > 0) await server.waitUntil(all, "50 resets reported");
        else await server.waitFor(new RegExp(line.source, "m"));
        const printed = server.stderr.match(new RegExp(line.source, "gm"))!.length;
        expect(printed).toBeLessThanOrEqual(mode.length > 0 ? 40 : 1);
        // The student who was there is still served, and the server still runs.
        student.socket.write("still here");
        await student.waitFor(/Got it!/);
        await server.waitFor(/still here/, "stdout");
        expect(server.proc.exitCode).toBeNull();
        expect(server.stdout.match(/Connection from/g)).toHaveLength(1); // the student alone
        expect(server.stderr).not.toContain("undefined"); // no address or port that is gone
        expect(server.stderr).not.toContain("file descriptor"); // a reset, told as a reset
        expect(hasStackTrace(server.stderr)).toBe(false);
        if (mode.length > 0) return;
        student.socket.end(); // the lesson ends: the count is said
        expect(await server.exit()).toBe(0);
        expect(server.stderr).toEndWith("(49 more turned away.)\n");
      },
      T,
    );
  }
});

describe("the client never hangs, and never calls a failure a success", () => {
  waiting(
    "a server that accepts and never answers: no reply within --timeout, and no longer; exit 1",
    async () => {
      using silent = listen({ data() {} }); // suspended, or a student's own server
      const client = startClient(["--port", String(silent.port), "--timeout", "0.2"], "pipe");
      client.proc.stdin!.write("hi\n");
      await client.waitFor(/Type your msg here: /, "stdout"); // the first prompt: it sends now
      const asked = performance.now();
      expect(await client.exit()).toBe(1);
      const seconds = (performance.now() - asked) / 1000;
      expect(seconds).toBeLessThan(2); // it gave up well within ten times the limit
      expect(client.stderr.trim()).toBe(
        `No reply from 127.0.0.1:${silent.port} in 0.2 s.\nCheck the address, --port, the firewall, the server.`,
      );
      expect(client.stdout).toBe(PROMPT);
    },
    T,
  );

  test(
    "a server that never says goodbye after the end of input: gives up within --timeout; exit 1",
    async () => {
      using rude = listen({ data: (s) => void s.write("Got it!"), end() {} }); // never hangs up
      const client = await runClient(["--port", String(rude.port), "--timeout", "0.2"], "hi\n");
      expect(client.code).toBe(1);
      expect(client.stderr.trim()).toBe(
        `No goodbye from 127.0.0.1:${rude.port} in 0.2 s.\nCheck the address, --port, the firewall, the server.`,
      );
      expect(client.stdout).toBe(`${PROMPT}Got it!\n${PROMPT}`);
    },
    T,
  );

  waiting(
    "--timeout limits each wait, not the whole conversation",
    async () => {
      // Three messages, typed 0.25 s apart, with a --timeout of 0.45 s: 0.75 s in all.
      const server = await startServer();
      const client = startClient(["--port", String(server.port), "--timeout", "0.45"]);
      for (let n = 1; n <= 3; n++) {
        client.proc.stdin!.write(`message ${n}\n`);
        await client.waitForCount(/Got it!/, n, "stdout");
        await Bun.sleep(250); // a person typing: the next message comes later
      }
      client.proc.stdin!.end();
      expect(await client.exit()).toBe(0);
      expect(client.stderr).toBe("");
    },
    T,
  );

  test(
    "a server that hangs up before the end of input is a failure; its last words are what it said after the last reply; exit 1",
    async () => {
      let peer: { end(text: string): void } | undefined;
      using brief = listen({
        data(socket) {
          socket.write("Got it!");
          peer = socket;
        },
      });
      const client = startClient(["--port", String(brief.port)]);
      client.proc.stdin!.write("one\n");
      await client.waitFor(/Got it!/, "stdout");
      peer!.end("Bye."); // while the student has not typed the next line
      expect(await client.exit()).toBe(1);
      expect(client.stderr).toBe("The server closed the connection; its last words:\nBye.\n");
    },
    T,
  );

  test.skipIf(!onLinux)(
    "a server that sends without being asked: the kernel pushes back, memory stays bounded, the client gives up in time",
    async () => {
      const pushedBack = Promise.withResolvers<number>();
      let sent = 0;
      const block = new Uint8Array(1 << 20).fill(0x41);
      using talker = listen({
        open(s) {
          // Write as much as the client's side takes, every 200 ms, until it takes nothing.
          const push = () => {
            let wrote = 0;
            for (let n = s.write(block); n > 0; n = s.write(block)) wrote += n;
            sent += wrote;
            if (wrote === 0) pushedBack.resolve(sent);
            else setTimeout(push, 200);
          };
          push();
        },
        drain() {},
        end() {}, // it never says goodbye
      });
      const client = startClient(["--port", String(talker.port), "--timeout", "0.2"]); // idle
      const peak = client.watchMemory();
      const total = await pushedBack.promise; // the kernel's buffers are full: it stopped taking
      expect(total).toBeLessThan(64 * 2 ** 20); // far less than a server could send
      expect(peak()).toBeLessThan(150 * 2 ** 20);
      client.proc.stdin!.end(); // the student ends the input: it waits a --timeout for a goodbye
      expect(await client.exit()).toBe(1);
      expect(client.stderr.trim()).toBe(
        `No goodbye from 127.0.0.1:${talker.port} in 0.2 s.\nCheck the address, --port, the firewall, the server.`,
      );
    },
    T,
  );

  test.skipIf(!onLinux)(
    "standard input of /dev/zero (one endless line): one line that says so, memory bounded; exit 1",
    async () => {
      const server = await startServer();
      const client = startClient(["--port", String(server.port)], Bun.file("/dev/zero"));
      const peak = client.watchMemory();
      expect(await client.exit()).toBe(1);
      expect(oneLine(client.stderr)).toBe("A line of input is over 64 MiB: send shorter lines.");
      expect(peak()).toBeLessThan(300 * 2 ** 20);
    },
    30_000,
  );

  // However the chunks fall: in one piece from a file, or in a pipe's 64 KiB pieces.
  const over = 64 * 2 ** 20 + 1; // one byte over the limit, then "\n"
  for (const how of ["file", "pipe"] as const)
    test.skipIf(!POSIX)(
      `a line one byte over 64 MiB, from a ${how}, is refused in one line, none of it sent; exit 1`,
      async () => {
        const server = await startServer();
        const port = String(server.port);
        const line = new Blob([Buffer.alloc(over, "m"), "\n"]);
        const shell = `head -c ${over} /dev/zero | tr '\\0' m | { cat; echo; } | bun "$0" --port "$1"`;
        const client =
          how === "file"
            ? startClient(["--port", port], line)
            : spawn(["sh", "-c", shell, CLIENT, port]);
        expect(await client.exit()).toBe(1);
        expect(oneLine(client.stderr)).toBe("A line of input is over 64 MiB: send shorter lines.");
        await server.exit();
        expect(server.stdout).toBe("Connection from : 127.0.0.1\n"); // nothing of it arrived
      },
      30_000,
    );

  test.skipIf(!POSIX)(
    "a notice that comes while the prompt waits on a terminal starts a line of its own",
    async () => {
      const server = await startServer();
      const client = spawnInTerminal(["bun", CLIENT, "--port", String(server.port)], 80);
      await client.waitFor(/Type your msg here: $/);
      // Once the server has taken the connection: before, the system would reset it.
      await server.waitFor(/Connection from/, "stdout");
      server.proc.kill("SIGINT"); // the server stops while the student is still typing
      await client.waitFor(/The server closed the connection\./);
      const shown = stripVTControlCharacters(client.screen()); // Bun colours errors red
      expect(shown).toContain("Type your msg here: \r\nThe server closed the connection.");
    },
    T,
  );

  test.skipIf(!POSIX)(
    "standard input that is a directory: one line, no stack trace; exit 1",
    async () => {
      const server = await startServer();
      // Through a shell, as a student would type it: bun client.ts < some-folder
      const shell = 'exec bun "$0" --port "$1" < "$2"';
      const client = spawn(["sh", "-c", shell, CLIENT, String(server.port), import.meta.dir]);
      expect(await client.exit()).toBe(1);
      expect(oneLine(client.stderr)).toBe(
        "Standard input is a folder: give a file, as in < notes.txt.",
      );
    },
    T,
  );

  test.skipIf(!onLinux)(
    "standard input opened to write (0>file): one line that says so, not a raw EBADF; exit 1",
    async () => {
      const server = await startServer();
      const file = join(tmpdir(), `sob-written-${process.pid}-${server.port}`);
      try {
        const shell = 'exec bun "$0" --port "$1" 0>"$2"';
        const client = spawn(["sh", "-c", shell, CLIENT, String(server.port), file]);
        expect(await client.exit()).toBe(1);
        expect(client.stderr).toBe(
          "Standard input cannot be read (it was opened to write): use < FILE.\n",
        );
      } finally {
        rmSync(file, { force: true });
      }
    },
    T,
  );

  test.skipIf(!onLinux)(
    "standard output on a full disk (/dev/full): one line that says so; exit 1, not 0 with the replies lost",
    async () => {
      const server = await startServer();
      const shell = 'echo hi | exec bun "$0" --port "$1" > /dev/full';
      const client = spawn(["sh", "-c", shell, CLIENT, String(server.port)]);
      expect(await client.exit()).toBe(1);
      expect(client.stderr).toBe("Output failed (ENOSPC).\n");
    },
    T,
  );
});

describe("the class server", () => {
  test.skipIf(!onLinux)(
    "turned-away clients are closed fully: 200 of them hold no descriptor of the server's",
    async () => {
      const server = await startServer(["--keep-open", "--max-clients", "1"]);
      const fds = () => readdirSync(`/proc/${server.proc.pid}/fd`).length;
      const inside = await rawConnect(server.port);
      inside.socket.write("here"); // one who has spoken keeps its place
      await inside.waitFor(/Got it!/);
      const before = fds();
      const away = await Promise.all(Array.from({ length: 200 }, () => rawConnect(server.port)));
      await Promise.all(away.map((peer) => peer.waitEnd()));
      for (const peer of away) expect(peer.received()).toContain("The server is full");
      expect(fds()).toBeLessThanOrEqual(before + 2);
      inside.socket.write("still served");
      await inside.waitFor(/Got it!Got it!/);
    },
    T,
  );

  // prlimit runs the server with few file descriptors: Bun's own and about 30 for clients.
  const prlimit = onLinux ? Bun.which("prlimit") : null;
  if (!prlimit) console.error("skipped: running out of descriptors needs Linux and prlimit");
  test.skipIf(!prlimit)(
    "out of file descriptors: a client over the limit is closed with a line saying what to do, the rest are served, and later clients get in",
    async () => {
      const limit = ["--nofile=40:40", "bun", SERVER, "--port", "0", "--keep-open"];
      const server = spawn([prlimit ?? "prlimit", ...limit]);
      const port = Number((await server.waitFor(/Listening on [^\s;]*:(\d+)/))[1]);
      const peers = await Promise.all(Array.from({ length: 50 }, () => rawConnect(port)));
      for (const peer of peers) peer.socket.write("hi");
      const answered = (peer: (typeof peers)[number]) => peer.received() === "Got it!";
      // Each one is served or closed at once: none is left waiting for nothing.
      await Promise.all(
        peers.map((peer) =>
          peer.waitUntil(() => answered(peer) || peer.closed(), "reply or close"),
        ),
      );
      const served = peers.filter(answered);
      expect(served.length).toBeGreaterThan(10);
      expect(served.length).toBeLessThan(peers.length);
      const line = /after an error: no file descriptor left: raise ulimit -n\n/g;
      await server.waitForCount(line, peers.length - served.length); // one line for each
      expect(server.stderr.match(line)).toHaveLength(peers.length - served.length);
      expect(hasStackTrace(server.stderr)).toBe(false);
      for (const peer of served.slice(0, 3)) peer.socket.end();
      await server.waitForCount(/ left; \d+ connected\./, 3);
      const later = await rawConnect(port);
      later.socket.write("later");
      await later.waitFor(/Got it!/);
      await server.waitFor(new RegExp(`:${later.socket.localPort}: later\n`), "stdout");
    },
    T,
  );

  test.skipIf(!POSIX)(
    "Ctrl-C typed on the class server's terminal: the Stopped line starts a line of its own, not after the ^C; exit 130",
    async () => {
      const port = String(freePort());
      // Bun 1.4.5 may close a terminal as soon as its one process has exited, losing the
      // last bytes written: a shell holds the terminal open a moment after the server
      // ends (its trap lets Ctrl-C reach the server alone), and passes on its status.
      const holdOpen = 'trap : INT; "$@"; status=$?; sleep 0.5; exit $status';
      const server = spawnInTerminal(
        ["sh", "-c", holdOpen, "sh", "bun", SERVER, "--port", port, "--keep-open"],
        80,
      );
      await server.waitFor(/Listening on/);
      server.proc.terminal!.write("\x03"); // Ctrl-C, as typed: the terminal echoes ^C
      await server.waitFor(/Stopped by Ctrl-C\./);
      expect(await server.proc.exited).toBe(130);
      expect(server.screen()).toMatch(/(^|\n)Stopped by Ctrl-C\.\r?\n/);
      expect(server.screen()).not.toContain("^CStopped");
    },
    T,
  );

  test.skipIf(!POSIX)(
    "Ctrl-C on --keep-open with students connected prints one Stopped line; exit 130",
    async () => {
      const server = await startServer(["--keep-open"]);
      const students = await Promise.all([1, 2, 3].map(() => rawConnect(server.port)));
      await server.waitForCount(/Connection from/, 3, "stdout");
      server.proc.kill("SIGINT");
      expect(await server.exit()).toBe(130);
      for (const student of students) await student.waitEnd();
      expect(server.stderr.match(/Stopped by Ctrl-C\./g)).toHaveLength(1);
      expect(server.stderr).not.toContain(" left");
    },
    T,
  );

  test.skipIf(!POSIX)(
    "SIGHUP (the terminal window closed) ends the server as Ctrl-C does; exit 129",
    async () => {
      const server = await startServer();
      const student = await rawConnect(server.port);
      await server.waitFor(/Connection from/, "stdout");
      server.proc.kill("SIGHUP");
      expect(await server.exit()).toBe(129);
      await student.waitEnd();
      // The lesson lets the system end it, as Python's does: no line of its own.
      expect(hasStackTrace(server.stderr)).toBe(false);
    },
    T,
  );

  test.skipIf(!POSIX)(
    "SIGHUP ends the client as Ctrl-C does, closing in order; exit 129",
    async () => {
      let sawEnd = false;
      using server = listen({
        data: (s) => void s.write("Got it!"),
        end: () => {
          sawEnd = true;
        },
      });
      const client = startClient(["--port", String(server.port)]);
      client.proc.stdin!.write("hello\n");
      await client.waitFor(/Got it!\nType your msg here: $/, "stdout");
      client.proc.kill("SIGHUP");
      expect(await client.exit()).toBe(129);
      expect(hasStackTrace(client.stderr)).toBe(false);
      await Bun.sleep(0); // the end arrived before the exit; let the listener's handler run
      expect(sawEnd).toBe(true);
    },
    T,
  );

  test(
    "characters that reorder or hide text print as visible escapes",
    async () => {
      const server = await startServer();
      const peer = await rawConnect(server.port);
      peer.socket.write("abc\u202edcba\u2066x\u2069\u200b\u200f\ufeff\u2028end");
      await peer.waitFor(/Got it!/);
      peer.socket.shutdown();
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe(
        "Connection from : 127.0.0.1\nabc\\u{202e}dcba\\u{2066}x\\u{2069}\\u{200b}\\u{200f}\\u{feff}\\u{2028}end\n",
      );
    },
    T,
  );

  test(
    "escaping leaves every other character as it is, and text of escapes alone prints whole",
    async () => {
      const server = await startServer();
      const peer = await rawConnect(server.port);
      peer.socket.write("🙂é你\u202e\x1b[2J\x00\u0085 \ud83d"); // and half an emoji, alone
      await peer.waitFor(/Got it!/);
      peer.socket.write("\u2066".repeat(100)); // each one 6 characters on the screen
      await peer.waitFor(/Got it!Got it!/);
      peer.socket.shutdown();
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe(
        `Connection from : 127.0.0.1\n🙂é你\\u{202e}\\u{1b}[2J\\u{0}\\u{85} \ufffd\n${"\\u{2066}".repeat(100)}\n`,
      );
    },
    T,
  );

  test(
    "with --keep-open, a flood of newlines prints no blank lines, and each line names its sender",
    async () => {
      const server = await startServer(["--keep-open"]);
      const peer = await rawConnect(server.port);
      peer.socket.write(`${"\n".repeat(100_000)}one\n\n\ntwo${"\n".repeat(100_000)}`);
      await peer.waitFor(/Got it!/);
      peer.socket.end();
      await server.waitFor(/left; 0 connected/);
      // Standard output has its own queue: its rows may come after the line on error.
      await server.waitFor(/: two\n/, "stdout");
      const lines = server.stdout.trim().split("\n");
      expect(lines).toHaveLength(3);
      expect(lines[1]).toMatch(/^127\.0\.0\.1:\d+: one$/);
      expect(lines[2]).toMatch(/^127\.0\.0\.1:\d+: two$/);
    },
    T,
  );

  test(
    "the client prints the server's escapes, too: a server cannot hide or reverse text",
    async () => {
      using evil = listen({
        data: (s) => void s.write("Got \u202eit!\u200b"),
        end: (s) => void s.end(),
      });
      const client = await runClient(["--port", String(evil.port)], "hi\n");
      expect(client.code).toBe(0);
      expect(client.stdout).toBe(`${PROMPT}Got \\u{202e}it!\\u{200b}\n${PROMPT}`);
    },
    T,
  );

  test(
    "the server's last words are escaped too, in a hang-up and in a goodbye",
    async () => {
      using rude = listen({ data: (s) => void s.end("\x1b[2J\u202eBye") });
      const hungUp = await runClient(["--port", String(rude.port)], "one\ntwo\n");
      expect(hungUp.code).toBe(1);
      expect(hungUp.stderr).toEndWith("; its last words:\n\\u{1b}[2J\\u{202e}Bye\n");
      using polite = listen({
        data: (s) => void s.write("Got it!"),
        end: (s) => void s.end("\x1b[31mBye"),
      });
      const ended = await runClient(["--port", String(polite.port)], "one\n");
      expect(ended.code).toBe(0);
      expect(ended.stdout).toBe(`${PROMPT}Got it!\n${PROMPT}\\u{1b}[31mBye\n`);
    },
    T,
  );

  test(
    "a --timeout too large for a timer is a usage mistake, not a runtime warning; exit 2",
    async () => {
      const proc = spawnScript(CLIENT, ["--timeout", "3000000"]);
      expect(await proc.exit()).toBe(2);
      expect(proc.stderr).toContain("--timeout takes a number of seconds from 0.001 to 2000000");
      expect(proc.stderr).not.toContain("TimeoutOverflowWarning");
    },
    T,
  );
});

describe("bytes at the edges: split characters, unasked data, a stuck send, Ctrl-Z", () => {
  test(
    "a character cut short by the client's end is still printed (as U+FFFD), not lost",
    async () => {
      const server = await startServer();
      const peer = await rawConnect(server.port);
      peer.socket.write(new Uint8Array([0x61, 0x62, 0xc3])); // "ab" and half of "é"
      await peer.waitFor(/Got it!/);
      peer.socket.shutdown();
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\nab\n\uFFFD\n");
    },
    T,
  );

  test(
    "the client joins a character of a reply split across two chunks",
    async () => {
      using split = listen({
        data(s) {
          s.write(new Uint8Array([0x47, 0x6f, 0x74, 0x20, 0xc3])); // "Got " and half of "é"
          setTimeout(() => s.write(new Uint8Array([0xa9])), 20); // the other half, apart
        },
        end: (s) => void setTimeout(() => s.end(), 100), // after the second half
      });
      const client = await runClient(["--port", String(split.port)], "hi\n");
      expect(client.code).toBe(0);
      expect(client.stdout).toBe(`${PROMPT}Got \n${PROMPT}é\n`);
    },
    T,
  );

  test(
    "after 64 KiB unasked, the client reads again when it asks: the reply still arrives",
    async () => {
      using chatty = listen({
        open: (s) => void s.write("A".repeat(100_000)), // unasked
        data: (s) => void s.write("Got it!"),
        end: (s) => void s.end(),
      });
      const client = await runClient(
        ["--port", String(chatty.port), "--timeout", "2"],
        "one\ntwo\n",
      );
      expect(client.code).toBe(0);
      expect(client.stdout).toContain("Got it!");
    },
    T,
  );

  test(
    "after our goodbye, a server that says 300 KB more and closes: every word printed; exit 0",
    async () => {
      const words = `${"A".repeat(300_000)}Bye!`;
      let left = Buffer.alloc(0); // what is still to send, after the client's goodbye
      const more = (s: { write: (b: Uint8Array) => number; end: () => void }) => {
        left = left.subarray(Math.max(0, s.write(left)));
        if (left.length === 0) s.end();
      };
      using talker = listen({
        data: (s) => void s.write("Got it!"),
        // After the client's goodbye, far more than it keeps before it stops reading.
        end(s) {
          left = Buffer.from(words);
          more(s);
        },
        drain: (s) => void (left.length > 0 && more(s)),
      });
      const client = await runClient(["--port", String(talker.port), "--timeout", "3"], "hi\n");
      expect(client.stderr).toBe("");
      expect(client.code).toBe(0);
      expect(client.stdout.startsWith(`${PROMPT}Got it!\n${PROMPT}`)).toBe(true);
      expect(client.stdout.replaceAll("\n", "").endsWith(`${PROMPT}${words}`)).toBe(true);
    },
    T,
  );

  test(
    "300 KB unasked while the prompt waits, then our goodbye: the client reads on from where it stopped, to the server's close",
    async () => {
      const words = Buffer.from(`${"B".repeat(300_000)}Bye!`);
      let left = Buffer.alloc(0);
      const allWritten = Promise.withResolvers<void>();
      const more = (s: { write: (b: Uint8Array) => number }) => {
        left = left.subarray(Math.max(0, s.write(left)));
        if (left.length === 0) allWritten.resolve();
      };
      using talker = listen({
        data(s) {
          s.write("Got it!");
          left = words; // then, unasked, more than the client keeps before it stops reading
          more(s);
        },
        drain: (s) => void (left.length > 0 && more(s)),
        end: (s) => void s.end(),
      });
      const client = startClient(["--port", String(talker.port), "--timeout", "3"]);
      client.proc.stdin!.write("hi\n");
      await client.waitFor(/Got it!/, "stdout");
      await allWritten.promise; // in the system's buffers: the client has stopped reading
      client.proc.stdin!.end(); // the student ends the input
      expect(await client.exit()).toBe(0);
      expect(client.stderr).toBe("");
      // Each piece printed as it came, the reply's with it: every byte, in order.
      const printed = client.stdout.replaceAll("\n", "").replaceAll(PROMPT, "");
      expect(printed).toBe(`Got it!${words}`);
    },
    T,
  );

  test.skipIf(!onLinux)(
    "after our goodbye, a server that never stops talking: memory stays bounded, the client gives up within --timeout",
    async () => {
      const block = new Uint8Array(1 << 20).fill(0x41);
      let sent = 0;
      const more = (s: { write: (b: Uint8Array) => number }) => {
        for (let n = s.write(block); n > 0; n = s.write(block)) sent += n;
      };
      using talker = listen({
        data: (s) => void s.write("Got it!"),
        end: more, // the client's goodbye: from now on, all it takes
        drain: (s) => void (sent > 0 && more(s)),
      });
      // Its output is not kept: the test would hold the gigabytes the client prints.
      const args = [CLIENT, "--port", String(talker.port), "--timeout", "1"];
      const stdin = new Blob(["hi\n"]);
      const client = spawn(["bun", ...args], { stdin, stdout: "ignore" });
      const peak = client.watchMemory();
      expect(await client.exit()).toBe(1);
      expect(client.stderr.trim()).toBe(
        `No goodbye from 127.0.0.1:${talker.port} in 1 s.\nCheck the address, --port, the firewall, the server.`,
      );
      // It was read all along: more went out than the system's buffers hold for a reader
      // that stopped (no speed is asserted: a loaded machine sent 125 MB, a quiet one more).
      const most = (file: string) => Number(readFileSync(file, "utf8").trim().split(/\s+/)[2]);
      const buffers = most("/proc/sys/net/ipv4/tcp_rmem") + most("/proc/sys/net/ipv4/tcp_wmem");
      expect(sent).toBeGreaterThan(buffers);
      expect(peak()).toBeLessThan(150 * 2 ** 20);
    },
    T,
  );

  test.skipIf(!POSIX)(
    "stopped (Ctrl-Z) and continued (fg) at the prompt: the client asks again, and goes on",
    async () => {
      const server = await startServer();
      const client = spawnInTerminal(["bun", CLIENT, "--port", String(server.port)], 80);
      await client.waitFor(/Type your msg here: $/);
      // Ctrl-Z's SIGTSTP is ignored in a process group without a shell (an orphaned one):
      // SIGSTOP stops it the same way; fg is the SIGCONT that follows.
      client.proc.kill("SIGSTOP");
      client.proc.kill("SIGCONT");
      await client.waitFor(/Type your msg here: Type your msg here: $/);
      client.proc.terminal!.write("hi\r");
      await client.waitFor(/Got it!\r\nType your msg here: $/);
      client.proc.terminal!.write("\x04"); // Ctrl-D
      expect(await client.proc.exited).toBe(0);
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\nhi\n");
    },
    T,
  );

  waiting(
    "a message the server does not take within --timeout: no answer; exit 1",
    async () => {
      using stuck = listen({ open: (s) => void s.pause(), data() {} }); // reads nothing
      const line = `${"x".repeat(20 << 20)}\n`; // more than the system's buffers hold
      const client = await runClient(["--port", String(stuck.port), "--timeout", "0.2"], line);
      expect(client.code).toBe(1);
      expect(client.stderr.trim()).toBe(
        `No answer from 127.0.0.1:${stuck.port} in 0.2 s.\nCheck the address, --port, the firewall, the server.`,
      );
    },
    T,
  );

  test(
    "a line that only starts with Ctrl-Z is a message; input that starts with an empty line works",
    async () => {
      const server = await startServer();
      const client = await runClient(["--port", String(server.port)], "\n\x1aZ\nlast\n");
      expect(client.code).toBe(0);
      expect(client.stdout).toBe(`${PROMPT}${PROMPT}Got it!\n${PROMPT}Got it!\n${PROMPT}`);
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\n\\u{1a}Z\nlast\n");
    },
    T,
  );
});
