// Faults and bad input: one clear line, the right exit code, nothing lost, and the other
// side never takes over the terminal. Raw sockets and small Python peers play the
// misbehaving side; the scripts under test are always the real ones.

import { afterEach, describe, expect, test } from "bun:test";
import { copyFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CLIENT,
  cleanUp,
  freePort,
  hasStackTrace,
  noOffline,
  OFFLINE,
  oneLine,
  POSIX,
  PROMPT,
  PYTHON,
  peerPort,
  ROOT,
  rawConnect,
  runClient,
  SERVER,
  spawn,
  spawnScript,
  spawnShell,
  startClient,
  startPeer,
  startServer,
  T,
  usageMistake,
} from "./harness";

afterEach(cleanUp);

/** Reports a peak memory figure and checks it against its limit. */
function expectPeakBelow(what: string, peak: number, limitMB: number): void {
  expect(peak).toBeGreaterThan(0); // it was measured at all
  console.error(`${what}: peak ${(peak / 2 ** 20).toFixed(0)} MB (limit ${limitMB} MB)`);
  expect(peak).toBeLessThan(limitMB * 2 ** 20);
}

describe("errors a person makes", () => {
  test(
    "a port already in use is named, with what to do; exit 1",
    async () => {
      const other = Bun.listen({ hostname: "0.0.0.0", port: 0, socket: { data() {} } });
      try {
        const server = spawnScript(SERVER, ["--port", String(other.port)]);
        expect(await server.exit()).toBe(1);
        const line = oneLine(server.stderr);
        expect(line).toBe(
          `Port ${other.port} is in use: stop the other server (Ctrl-C), or use another --port.`,
        );
        expect(server.stdout).toBe("");
      } finally {
        other.stop(true);
      }
    },
    T,
  );

  const canDropRoot = process.getuid?.() === 0 && Bun.which("setpriv") !== null;
  if (!canDropRoot)
    console.error(
      "skipped: a privileged port test needs root and setpriv to run the server as nobody",
    );
  test.skipIf(!canDropRoot)(
    "a privileged port refused by the system says why and suggests a port above 1023; exit 1",
    async () => {
      // Run a copy of server.ts as the unprivileged user "nobody" (it stands alone).
      const dir = mkdtempSync(join(tmpdir(), "sockets-"));
      try {
        copyFileSync(SERVER, join(dir, "server.ts"));
        cpSync(join(ROOT, "depth"), join(dir, "depth"), { recursive: true }); // its lines
        Bun.spawnSync(["chmod", "-R", "a+rX", dir]);
        const setpriv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
        const proc = spawn([...setpriv, "bun", join(dir, "server.ts"), "--port", "1023"], {
          env: { HOME: dir, BUN_INSTALL_CACHE_DIR: dir },
        });
        expect(await proc.exit()).toBe(1);
        const stderr = proc.stderr;
        const line = oneLine(stderr);
        expect(line).toBe(
          "Port 1023 may need special privileges: use one above 1023, such as --port 1337.",
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    T,
  );

  for (const script of [SERVER, CLIENT]) {
    const lowest = script === SERVER ? 0 : 1; // the server takes 0: a free port
    for (const [args, says] of [
      [["--port", "abc"], `--port takes a whole number from ${lowest} to 65535, not "abc"`],
      [["--port", "70000"], `--port takes a whole number from ${lowest} to 65535, not "70000"`],
      [["--port", "-1"], "--port needs a value after it, such as --port 5000"],
      [["--port"], "--port needs a value after it, such as --port 5000"],
      [["--prot", "5000"], "Unknown option '--prot': did you mean --port?"],
      [["--colour", "blue"], "Unknown option '--colour'"],
    ] as const)
      usageMistake(script, args, says);
  }
  // Addresses as people mistype them: refused before any traffic (exit 2).
  const fourNumbers = "is not an address: one has four numbers, such as 192.168.1.20";
  for (const [script, args, says] of [
    [CLIENT, ["1337"], `"1337" is not an address: for a port, --port 1337`],
    [CLIENT, ["192.168.1"], `"192.168.1" ${fourNumbers}`],
    [SERVER, ["--host", "0"], `"0" is not an address: for a port, --port 0`],
    [CLIENT, ["fe80::1"], '"fe80::1" is link-local: add its interface, as in fe80::1%eth0'],
    [SERVER, ["--host", "fe80::1:1337"], "is link-local: add its interface"],
    [SERVER, ["--host", "224.0.0.1"], "224.0.0.1 is a multicast or broadcast address"],
    [SERVER, ["--host", "255.255.255.255"], "is a multicast or broadcast address"],
    [SERVER, ["--host", "ff02::1"], "ff02::1 is a multicast or broadcast address"],
    [CLIENT, ["239.1.2.3"], "239.1.2.3 is a multicast or broadcast address"],
  ] as const)
    usageMistake(script, args, says);
  usageMistake(CLIENT, ["--timeout", "abc"], "--timeout takes a number of seconds from 0.001");

  test(
    "client, nobody listening: connection refused, the address tried, start the server first; exit 1",
    async () => {
      const port = freePort();
      const client = await runClient(["--port", String(port)], "hello\n");
      expect(client.code).toBe(1);
      const line = oneLine(client.stderr);
      expect(line).toBe(
        `Connection refused by 127.0.0.1:${port}: start the server first (nobody listens).`,
      );
      expect(client.stdout).toBe("");
    },
    T,
  );

  // Offline: a name to look up would otherwise ask this computer's name server.
  for (const name of ["no-such-host.invalid", "exämple.com"])
    test.skipIf(noOffline !== "")(
      `client, a name that does not resolve (${name}): says the name could not be found; exit 1`,
      async () => {
        const client = spawn([...OFFLINE, "bun", CLIENT, name], { stdin: new Blob(["hi\n"]) });
        expect(await client.exit()).toBe(1);
        expect(oneLine(client.stderr)).toBe(
          `No computer named "${name}": check it, or use its address.`,
        );
      },
      T,
    );

  test.skipIf(noOffline !== "")(
    "client, ::1 on a computer with IPv6 off: says IPv6 is off and to use IPv4, not that no port is free; exit 1",
    async () => {
      const off = [
        "ip link set lo up",
        "sysctl -qw net.ipv6.conf.all.disable_ipv6=1",
        "sysctl -qw net.ipv6.conf.lo.disable_ipv6=1",
        'exec bun "$0" ::1',
      ].join("; ");
      const client = spawn([...OFFLINE, "sh", "-c", off, CLIENT], { stdin: new Blob(["hi\n"]) });
      expect(await client.exit()).toBe(1);
      expect(client.stderr).toBe(
        "::1 is IPv6, which is off on this computer.\nUse 127.0.0.1 instead.\n",
      );
    },
    T,
  );

  // Windows refuses a connection past a full listen queue: no silent server on loopback there.
  if (!POSIX) console.error("skipped: a silent server: Windows refuses past a full queue");
  test.skipIf(!PYTHON || !POSIX)(
    "client, no answer at all: gives up after --timeout and names the firewall; exit 1",
    async () => {
      const silent = startPeer("silent.py");
      const port = await peerPort(silent);
      const started = performance.now();
      const client = await runClient(["--port", String(port), "--timeout", "0.2"], "hello\n");
      const seconds = (performance.now() - started) / 1000;
      expect(client.code).toBe(1);
      expect(client.stderr.trim()).toBe(
        `No answer from 127.0.0.1:${port} in 0.2 s.\nCheck the address, --port, the firewall, the server.`,
      );
      expect(seconds).toBeGreaterThan(0.19); // it waited out the limit
      expect(seconds).toBeLessThan(2); // and gave up then: a bound on the wait, not a speed
    },
    T,
  );
});

describe("faults of the connection", () => {
  test(
    "the server closes while the client waits for a reply: the client says so; exit 1",
    async () => {
      const listener = Bun.listen({
        hostname: "127.0.0.1",
        port: 0,
        socket: {
          data(s) {
            s.end(); // hang up instead of answering
          },
        },
      });
      try {
        const client = await runClient(["--port", String(listener.port)], "hello\nworld\n");
        expect(client.code).toBe(1);
        expect(client.stdout).toBe(PROMPT);
        expect(oneLine(client.stderr)).toBe("The server closed the connection.");
      } finally {
        listener.stop(true);
      }
    },
    T,
  );

  test.skipIf(!PYTHON)(
    "the server resets while the client waits for a reply: the client says so; exit 1",
    async () => {
      const peer = startPeer("reset.py", ["server"]);
      const client = await runClient(["--port", String(await peerPort(peer))], "hello\n");
      expect(client.code).toBe(1);
      expect(oneLine(client.stderr)).toBe("The server reset the connection.");
    },
    T,
  );

  test.skipIf(!PYTHON)(
    "a server that resets every connection at once: the client says the connection ended, never 'Stopped' (Bun may report the reset as a close); exit 1",
    async () => {
      const peer = startPeer("reset.py", ["at-once"]);
      const port = String(await peerPort(peer));
      for (let n = 0; n < 5; n++) {
        const client = await runClient(["--port", port], "hello\n");
        expect(client.code).toBe(1);
        // Before the connect settles, or just after: a reset, or what Bun reports of it.
        expect(client.stderr).toMatch(
          /^(Connection reset by 127\.0\.0\.1:\d+ as it began: try again\.\nA firewall said no, or the server is full\.|The server (reset|closed) the connection\.)\n$/,
        );
      }
      peer.proc.kill();
    },
    T,
  );

  test.skipIf(!PYTHON)(
    "the client resets: the server keeps what it printed, says the client left abruptly; exit 1 within a second",
    async () => {
      const server = await startServer();
      const peer = startPeer("reset.py", ["client", String(server.port), "hello"]);
      await peer.exit();
      expect(peer.stdout).toBe("Got it!\n");
      const resetAt = performance.now();
      expect(await server.exit()).toBe(1);
      expect(performance.now() - resetAt).toBeLessThan(1000);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\nhello\n");
      expect(server.stderr).toContain("The client left abruptly");
      expect(hasStackTrace(server.stderr)).toBe(false);
    },
    T,
  );

  test(
    "the client is killed: the server sees an orderly close and exits 0 within a second",
    async () => {
      const server = await startServer();
      const client = startClient(["--port", String(server.port)]);
      client.proc.stdin!.write("hello\n");
      await client.waitFor(/Got it!/, "stdout");
      client.proc.kill("SIGKILL");
      const killedAt = performance.now();
      expect(await server.exit()).toBe(0);
      expect(performance.now() - killedAt).toBeLessThan(1000);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\nhello\n");
    },
    T,
  );

  test(
    "a client that sends and then half-closes still receives every reply",
    async () => {
      const server = await startServer();
      const peer = await rawConnect(server.port);
      peer.socket.write("one");
      peer.socket.shutdown(); // "I have nothing more to send", straight away
      await peer.waitClosed();
      expect(peer.received()).toBe("Got it!");
      expect(peer.closeError()).toBeUndefined();
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\none\n");
    },
    T,
  );

  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    test.skipIf(!POSIX)(
      `${signal} on the server closes the connection in order; exit ${code}, no trace`,
      async () => {
        const server = await startServer();
        const peer = await rawConnect(server.port);
        peer.socket.write("hello");
        await peer.waitFor(/Got it!/);
        server.proc.kill(signal);
        await peer.waitEnd();
        expect(peer.sawEnd()).toBe(true);
        expect(peer.closeError()).toBeUndefined();
        expect(await server.exit()).toBe(code);
        expect(server.stdout).toBe("Connection from : 127.0.0.1\nhello\n");
        expect(hasStackTrace(server.stderr)).toBe(false);
      },
      T,
    );

    test.skipIf(!POSIX)(
      `${signal} on the client closes the connection in order; exit ${code}, no trace`,
      async () => {
        let sawEnd = false;
        let sawError = false;
        const listener = Bun.listen({
          hostname: "127.0.0.1",
          port: 0,
          allowHalfOpen: true,
          socket: {
            data(s) {
              s.write("Got it!");
            },
            end(s) {
              sawEnd = true;
              s.end();
            },
            error() {
              sawError = true;
            },
          },
        });
        try {
          const client = startClient(["--port", String(listener.port)]);
          client.proc.stdin!.write("hello\n");
          await client.waitFor(/Got it!\nType your msg here: $/, "stdout");
          client.proc.kill(signal);
          expect(await client.exit()).toBe(code);
          expect(hasStackTrace(client.stderr)).toBe(false);
          await Bun.sleep(0); // let the listener see the end: it arrived before the exit
          expect(sawEnd).toBe(true);
          expect(sawError).toBe(false);
        } finally {
          listener.stop(true);
        }
      },
      T,
    );
  }

  test.skipIf(!POSIX)(
    "Ctrl-C on an idle server ends it; exit 130",
    async () => {
      const server = await startServer();
      server.proc.kill("SIGINT");
      expect(await server.exit()).toBe(130);
      expect(hasStackTrace(server.stderr)).toBe(false);
      const refused = await Bun.connect({
        hostname: "127.0.0.1",
        port: server.port,
        socket: { data() {} },
      }).then(
        () => false,
        () => true,
      );
      expect(refused).toBe(true);
    },
    T,
  );

  test.skipIf(!POSIX)(
    "standard output closed early (bun server.ts | head -1): no EPIPE crash",
    async () => {
      const shell = spawnShell(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's, not a template
        'bun "$1" --port 0 | head -1; echo "server exit: ${PIPESTATUS[0]}" >&2',
        SERVER,
      );
      const port = (await shell.waitFor(/Listening on .*:(\d+)/))[1]!;
      const messages = Array.from({ length: 50 }, (_, i) => `message ${i} ${"x".repeat(2000)}`);
      const client = await runClient(["--port", port], `${messages.join("\n")}\n`);
      expect(client.code).toBe(0);
      expect(client.stdout.match(/Got it!/g)?.length).toBe(50);
      expect(await shell.exit()).toBe(0);
      expect(shell.stdout).toBe("Connection from : 127.0.0.1\n");
      expect(shell.stderr).toContain("server exit: 0");
      expect(hasStackTrace(shell.stderr)).toBe(false);
    },
    T,
  );

  test.skipIf(!POSIX)(
    "the client's standard output closed early (bun client.ts | head -c 30): no EPIPE crash",
    async () => {
      const server = await startServer();
      const shell = spawnShell(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's, not a template
        'seq 1 2000 | bun "$1" --port "$2" | head -c 30; echo "client exit: ${PIPESTATUS[1]}" >&2',
        CLIENT,
        String(server.port),
      );
      expect(await shell.exit()).toBe(0);
      expect(shell.stdout).toBe(`${PROMPT}Got it!\n${PROMPT}`.slice(0, 30));
      expect(shell.stderr).toContain("client exit: 0");
      expect(hasStackTrace(shell.stderr)).toBe(false);
      expect(await server.exit()).toBe(0); // every message still went to the server
      expect(server.stdout.split("\n").length).toBe(2002);
    },
    T,
  );
});

describe("bad bytes", () => {
  test(
    "invalid UTF-8 prints as U+FFFD and the server goes on serving",
    async () => {
      const server = await startServer();
      const peer = await rawConnect(server.port);
      peer.socket.write(new Uint8Array([0x62, 0x61, 0x64, 0xff, 0xfe, 0x21]));
      await peer.waitFor(/Got it!/);
      peer.socket.write("fine");
      await peer.waitFor(/Got it!Got it!/);
      peer.socket.shutdown();
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\nbad\uFFFD\uFFFD!\nfine\n");
    },
    T,
  );

  // Control codes, then format characters: a soft hyphen, a byte-order mark, a tag letter
  // (invisible, above U+FFFF): each escape has the digits its code needs. U+FFEE, a printable
  // character near the top of one unit of UTF-16, prints as itself; U+FFFF (no character)
  // is escaped as \u{ffff} and takes nothing with it.
  const hostile =
    "\x1b[2J\x1b]0;pwned\x07\x1b]52;c;ZWNobyBoaQ==\x07back\bspace\x00nul\u009bC1\x7f\tand\ttabs" +
    "\uffee\uffff\u00ad\ufeff\u{e0041}";
  const shown =
    "\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\u{1b}]52;c;ZWNobyBoaQ==\\u{7}back\\u{8}space\\u{0}nul\\u{9b}C1\\u{7f}\tand\ttabs" +
    "\uffee\\u{ffff}\\u{ad}\\u{feff}\\u{e0041}";

  // What Unicode calls format, unassigned, private use or default-ignorable: Python's
  // str.isprintable() says no to each. Each prints as an escape with the digits it needs.
  const invisible = [
    0x061c, 0x2060, 0x2064, 0x2065, 0x206a, 0x206f, 0xe0000, 0xe0041, 0xe007f, 0xfff9, 0xfffb,
    0x180e, 0x00ad, 0x034f, 0x1d173, 0x1d17a, 0x13430, 0x1bca0, 0x17b4, 0x17b5, 0x115f, 0x1160,
    0x3164, 0xffa0, 0xe000, 0x0378,
  ];
  const escapeOf = (code: number) => `\\u{${code.toString(16)}}`;
  // Emoji print whole, with their joiners, tags and selectors; so do accents, up to 4 marks
  // on one letter (Vietnamese uses 2), and CJK. A fifth mark and beyond are escapes.
  const whole = "👨‍👩‍👧 🏴󠁧󠁢󠁳󠁣󠁴󠁿 ❤️ 1️⃣ 👍🏽 🇫🇷 Vie\u0323\u0302t café 漢字 e\u0301\u0302\u0303\u0304";
  const cases = [
    { what: "terminal control codes", sent: hostile, shown, as: "visible escapes" },
    {
      what: "invisible and reordering characters",
      sent: invisible.map((code) => `[${String.fromCodePoint(code)}]`).join(""),
      shown: invisible.map((code) => `[${escapeOf(code)}]`).join(""),
      as: "visible escapes",
    },
    {
      what: "emoji, accents and CJK",
      sent: `${whole} x\u0301\u0302\u0303\u0304\u0305\u0306!`,
      shown: `${whole} x\u0301\u0302\u0303\u0304\\u{305}\\u{306}!`,
      as: "themselves, piled marks as escapes",
    },
  ];
  for (const { what, sent, shown, as } of cases) {
    test(
      `${what} from a client print as ${as} on the server`,
      async () => {
        const server = await startServer();
        const peer = await rawConnect(server.port);
        peer.socket.write(sent);
        await peer.waitFor(/Got it!/);
        peer.socket.shutdown();
        expect(await server.exit()).toBe(0);
        expect(server.stdout).toBe(`Connection from : 127.0.0.1\n${shown}\n`);
      },
      T,
    );

    test(
      `${what} from a server print as ${as} on the client`,
      async () => {
        const listener = Bun.listen({
          hostname: "127.0.0.1",
          port: 0,
          allowHalfOpen: true,
          socket: {
            data(s) {
              s.write(sent);
            },
            end(s) {
              s.end();
            },
          },
        });
        try {
          const client = await runClient(["--port", String(listener.port)], "hello\n");
          expect(client.code).toBe(0);
          expect(client.stdout).toBe(`${PROMPT}${shown}\n${PROMPT}`);
        } finally {
          listener.stop(true);
        }
      },
      T,
    );
  }

  const hasProc = process.platform === "linux";
  if (!hasProc) console.error("skipped: the memory tests read /proc (Linux)");
  test.skipIf(!hasProc)(
    "a 300 MB flood from a client that never reads its replies leaves the server below 150 MB, still serving",
    async () => {
      const server = await startServer([], { stdout: "ignore" });
      const serverPeak = server.watchMemory();
      // bench/flood.ts sends 300 MB without reading a reply, then checks that one more
      // message still gets its own "Got it!".
      const flooder = spawn([
        "bun",
        join(ROOT, "bench", "flood.ts"),
        `${server.port}`,
        `${300 << 20}`,
      ]);
      expect(await flooder.exit()).toBe(0);
      expect(JSON.parse(flooder.stdout).stillServing).toBe(true);
      expect(await server.exit()).toBe(0);
      expectPeakBelow("300 MB flood, server", serverPeak(), 150);
    },
    60_000,
  );

  test.skipIf(!hasProc)(
    "a 50 MB line piped into the client peaks below 256 MB in the client",
    async () => {
      const server = await startServer([], { stdout: "ignore" });
      const line = new Uint8Array(50 * 1024 * 1024 + 1).fill(0x61);
      line[line.length - 1] = 10;
      const client = startClient(["--port", String(server.port)], new Blob([line]));
      const clientPeak = client.watchMemory();
      expect(await client.exit()).toBe(0);
      expect(await server.exit()).toBe(0);
      // Measured 192-199 MB with Bun 1.4.5: the line as it is read, joined, and handed to
      // the socket; under mutation testing's instrumented code, 202 MB.
      expectPeakBelow("50 MB line, client", clientPeak(), 256);
    },
    60_000,
  );
});
