// Two computers and a whole class: addresses, IPv6, --keep-open and --max-clients.

import { afterEach, describe, expect, test } from "bun:test";
import { networkInterfaces } from "node:os";
import {
  answered,
  CLIENT,
  cleanUp,
  hasIPv6Loopback,
  hasStackTrace,
  noNamespaces,
  noOffline,
  OFFLINE,
  POSIX,
  PROMPT,
  PYTHON,
  python,
  rawConnect,
  reported,
  runClient,
  SERVER,
  spawn,
  spawnScript,
  startClient,
  startPeer,
  startServer,
  T,
  twoComputers,
  usageMistake,
} from "./harness";

afterEach(cleanUp);

if (!hasIPv6Loopback) console.error("skipped: the IPv6 tests need the ::1 loopback address");

describe("options and help", () => {
  for (const [script, options] of [
    [SERVER, ["--host", "--port", "--keep-open", "--max-clients"]],
    [CLIENT, ["HOST", "--port", "--timeout"]],
  ] as const) {
    const name = script.endsWith("server.ts") ? "server.ts" : "client.ts";
    for (const flag of ["--help", "-h"]) {
      test(
        `${name} ${flag} prints the usage and every option in at most 12 lines; exit 0`,
        async () => {
          const proc = spawnScript(script, [flag]);
          expect(await proc.exit()).toBe(0);
          expect(proc.stdout).toStartWith(`usage: bun ${name} `);
          for (const option of options) expect(proc.stdout).toContain(option);
          expect(proc.stdout.trim().split("\n").length).toBeLessThanOrEqual(12);
          expect(proc.stderr).toBe("");
        },
        T,
      );
    }
  }

  test(
    "the client takes the server's address first, as HOST, with --port",
    async () => {
      for (const host of ["127.0.0.1", "localhost"]) {
        const server = await startServer();
        const client = await runClient([host, "--port", String(server.port)], "hello\n");
        expect(client.stdout).toBe(answered(1) + PROMPT);
        expect(client.code).toBe(0);
        expect(await server.exit()).toBe(0);
      }
    },
    T,
  );

  for (const [args, says] of [
    [["a", "b"], "one server address"],
    [["127.0.0.1:1337"], "give the port apart, as in 127.0.0.1 --port 1337"],
    [[":1337"], "give the port with --port"],
    [["[::1]"], "write it without brackets: ::1"],
    [["１３３７"], "type its digits as 0-9"],
    [["0x539"], "one has four numbers"],
    [[""], "not a name or address"],
    [["--host", "127.0.0.1"], "Unknown option '--host'"],
    [["--timeout", "0"], '--timeout takes a number of seconds from 0.001 to 2000000, not "0"'],
    [["--timeout", "99999999999"], "--timeout takes a number of seconds"],
    [["--timeout", "1e3"], "--timeout takes a number of seconds"],
    [["--timeout", ".5"], "--timeout takes a number of seconds"],
    [["--port", "65536"], '--port takes a whole number from 1 to 65535, not "65536"'],
    [["--port", "0"], '--port takes a whole number from 1 to 65535, not "0"'],
    [["[::1"], "not a name or address"],
    [["::1]"], "not a name or address"],
    [["--port="], '--port takes a whole number from 1 to 65535, not ""'],
    [["--port", "0x10"], "--port takes a whole number"],
    [
      ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "--port", "65535"],
      "is a multicast or broadcast address: TCP needs one computer's",
    ],
  ] as const)
    usageMistake(CLIENT, args, says);

  for (const [args, says] of [
    [["--max-clients", "5"], "--max-clients goes with --keep-open"],
    [
      ["--keep-open", "--max-clients", "0"],
      '--max-clients takes a whole number from 1 to 100000, not "0"',
    ],
    [["--keep-open", "--max-clients", "1e3"], "--max-clients takes a whole number"],
    [["--keep-open", "--max-clients", "100001"], "from 1 to 100000"],
    [["--keep-open", "--max-clients", "0x10"], "--max-clients takes a whole number"],
    [["--keep-open", "--max-clients", " 5"], "--max-clients takes a whole number"],
    [["--port", "65536"], '--port takes a whole number from 0 to 65535, not "65536"'],
    [["--port="], "--port takes a whole number"],
    [["--host", ""], "not a name or address"],
    [["--host", "[::1]"], "write it without brackets"],
    [["--host", "127.0.0.1:80"], "as in 127.0.0.1 --port 80"],
    [["--host", "２５５.２５５.２５５.２５５"], "type its digits as 0-9"],
    [["--host", "[::1"], "not a name or address"],
    [["--host", "::1]"], "not a name or address"],
    [["extra"], "Unexpected argument 'extra'"],
    [
      ["--host", "ff02:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "--port", "65535"],
      "is a multicast or broadcast address: TCP needs one computer's",
    ],
  ] as const)
    usageMistake(SERVER, args, says);
});

describe("addresses", () => {
  test(
    "on all interfaces, the server names this computer's addresses as ready-to-type commands",
    async () => {
      const server = await startServer();
      const own = Object.entries(networkInterfaces()).flatMap(([name, list]) =>
        (list ?? [])
          .filter((a) => a.family === "IPv4" && !a.internal && !a.address.startsWith("169.254."))
          .map((a) => [name, a.address]),
      );
      for (const [name, ip] of own)
        expect(server.stderr).toContain(
          `From another computer, over ${name}: bun client.ts ${ip} --port ${server.port}\n`,
        );
      if (own.length > 0) expect(server.stderr).toMatch(/firewall .* allow TCP port/);
      expect(server.stderr).toContain(`On this computer: bun client.ts --port ${server.port}`);
    },
    T,
  );

  for (const [host, hint] of [
    ["::1", "bun client.ts ::1"],
    ["localhost", "bun client.ts localhost"],
    ["::", "bun client.ts"],
  ] as const) {
    test.skipIf(!hasIPv6Loopback)(
      `--host ${host}: the banner gives the command for this computer (${hint})`,
      async () => {
        const server = await startServer(["--host", host]);
        expect(server.stderr).toContain(`On this computer: ${hint} --port ${server.port}\n`);
        if (host === "::") expect(server.stderr).not.toContain("Other computers cannot");
        else expect(server.stderr).toContain("Other computers cannot connect.");
        const client = await runClient(
          [...hint.split(" ").slice(2), "--port", `${server.port}`],
          "hi\n",
        );
        expect(client.code).toBe(0);
      },
      T,
    );
  }

  test(
    "IPv6 addresses, the smallest and largest port and --timeout are taken (a network error, not a usage one)",
    async () => {
      for (const args of [
        ["::1", "--port", "1", "--timeout", "0.2"],
        ["fe80::1%lo", "--timeout", "0.2"],
        ["127.0.0.1", "--port", "65535", "--timeout", "0.2"],
        ["127.0.0.1", "--port", "1", "--timeout", "0.2"],
        ["--port", "1", "--timeout", "0.001"],
        ["--port", "1", "--timeout", "2000000"],
      ]) {
        const client = await runClient(args, "hi\n");
        expect([args, client.code]).toEqual([args, 1]);
        expect(client.stderr).not.toContain("usage");
      }
    },
    T,
  );

  test.skipIf(noOffline !== "")(
    "--host with this computer's longest IPv6 address and port 65535 (in a network of its own): the banner's rows within 80 columns, the command whole on one",
    async () => {
      const longest = "2001:db8:85a3:1234:5678:8a2e:370:7334";
      const setup = `ip link set lo up && ip addr add ${longest}/128 dev lo nodad`;
      const shell = `${setup} && exec bun "$0" --keep-open --host ${longest} --port 65535`;
      const server = spawn([...OFFLINE, "sh", "-c", shell, SERVER]);
      await server.waitFor(/On this computer:\n.+\n/); // the command, on its own row
      const rows = server.stderr.trimEnd().split("\n");
      expect(rows.filter((row) => row.length > 80)).toEqual([]);
      expect(rows).toContain(`  bun client.ts ${longest} --port 65535`);
    },
    T,
  );

  test(
    "server.ts takes IPv6 addresses as given, and --max-clients up to 100000",
    async () => {
      const away = spawnScript(SERVER, ["--host", "2001:db8:1::1", "--port", "0"]);
      expect(await away.exit()).toBe(1); // not a usage mistake: the address is not here
      expect(away.stderr).toContain("This computer has no address 2001:db8:1::1");
      const big = await startServer(["--keep-open", "--max-clients", "100000"]);
      expect(big.stderr).toContain("Listening on");
    },
    T,
  );

  // Linux answers on all of 127.0.0.0/8; macOS and Windows only on 127.0.0.1.
  const anyLoopback = process.platform === "linux";
  test.skipIf(!PYTHON || !hasIPv6Loopback || !anyLoopback)(
    "--host :: shows an IPv4 client from any address plainly (127.12.34.56, not ::ffff:...)",
    async () => {
      const server = await startServer(["--host", "::", "--keep-open"]);
      const peer = spawn([
        python(),
        "-c",
        "import socket, sys\n" +
          "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), source_address=('127.12.34.56', 0))\n" +
          "s.sendall(b'hi'); s.recv(16); s.close()",
        String(server.port),
      ]);
      expect(await peer.exit()).toBe(0);
      await server.waitFor(/hi\n/, "stdout");
      expect(server.stdout).toMatch(/^Connection from : 127\.12\.34\.56:\d+$/m);
    },
    T,
  );

  const lan = Object.values(networkInterfaces())
    .flat()
    .find((a) => a?.family === "IPv4" && !a.internal)?.address;
  if (lan === undefined) console.error("skipped: no network address of this computer to listen on");
  test.skipIf(lan === undefined)(
    "--host with one of this computer's network addresses: no claim that others cannot connect",
    async () => {
      const server = await startServer(["--host", lan!]);
      expect(server.stderr).toContain(
        `On this computer: bun client.ts ${lan} --port ${server.port}\n`,
      );
      expect(server.stderr).not.toContain("cannot connect");
    },
    T,
  );

  test(
    "--host 127.0.0.1 serves this computer and says other computers cannot connect",
    async () => {
      const server = await startServer(["--host", "127.0.0.1"]);
      expect(server.stderr).toContain(`Listening on 127.0.0.1:${server.port}`);
      expect(server.stderr).toContain(
        `On this computer: bun client.ts 127.0.0.1 --port ${server.port}\n`,
      );
      expect(server.stderr).toContain("Other computers cannot connect.");
      expect(server.stderr).not.toContain("From another computer");
      const client = await runClient(["--port", String(server.port)], "local\n");
      expect(client.code).toBe(0);
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\nlocal\n");
    },
    T,
  );

  test.skipIf(!hasIPv6Loopback)(
    "--host :: serves IPv6 and IPv4 at once, and shows IPv4 clients in their plain form",
    async () => {
      const server = await startServer(["--host", "::", "--keep-open"]);
      expect(server.stderr).toContain(`Listening on [::]:${server.port}`);
      const four = await runClient(["127.0.0.1", "--port", String(server.port)], "over IPv4\n");
      const six = await runClient(["::1", "--port", String(server.port)], "over IPv6\n");
      expect(four.code).toBe(0);
      expect(six.code).toBe(0);
      await server.waitFor(/over IPv6/, "stdout");
      expect(server.stdout).toMatch(/^Connection from : 127\.0\.0\.1:\d+$/m);
      expect(server.stdout).toMatch(/^Connection from : \[::1\]:\d+$/m);
      expect(server.stdout).not.toContain("::ffff:");
      expect(server.stdout).toMatch(/^127\.0\.0\.1:\d+: over IPv4$/m);
      expect(server.stdout).toMatch(/^\[::1\]:\d+: over IPv6$/m);
    },
    T,
  );

  test.skipIf(!hasIPv6Loopback)(
    "--host ::1 works with bun client.ts ::1",
    async () => {
      const server = await startServer(["--host", "::1"]);
      expect(server.stderr).toContain(`Listening on [::1]:${server.port}`);
      const client = await runClient(["::1", "--port", String(server.port)], "hello six\n");
      expect(client.stdout).toBe(answered(1) + PROMPT);
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : ::1\nhello six\n");
    },
    T,
  );

  test(
    "--host 192.0.2.123, not this computer's, says so; exit 1",
    async () => {
      const server = spawnScript(SERVER, ["--host", "192.0.2.123", "--port", "0"]);
      expect(await server.exit()).toBe(1);
      expect(server.stderr.trim()).toBe(
        "This computer has no address 192.0.2.123: use one of its own, or no --host.",
      );
    },
    T,
  );

  // Offline: a name to look up would otherwise ask this computer's name server.
  for (const name of ["no-such-host.invalid", "a..b", "exämple.com"]) {
    test.skipIf(noOffline !== "")(
      `--host ${name}, a name nobody knows: says so in one line; exit 1`,
      async () => {
        const server = spawn([...OFFLINE, "bun", SERVER, "--host", name, "--port", "0"]);
        expect(await server.exit()).toBe(1);
        expect(server.stderr).toBe(`No computer named "${name}": check it, or use its address.\n`);
      },
      T,
    );
  }
});

describe("the whole class at once (--keep-open)", () => {
  test(
    "two clients that flood at once take turns: the server reads a chunk of each in turn",
    async () => {
      // Each sends 32 MB; the server answers each chunk it reads with one "Got it!". Sampled
      // every millisecond, 300 times while both send, neither one's count of replies runs
      // far ahead of the other's.
      const server = await startServer(["--keep-open"]);
      const a = await rawConnect(server.port);
      const b = await rawConnect(server.port);
      const replies = (peer: typeof a) => peer.received().length / "Got it!".length;
      const flood = (letter: string) => new TextEncoder().encode(letter.repeat(32 << 20));
      let bothSending = true;
      let samples = 0;
      let worst = 1; // the least share of the one behind, while both had bytes waiting
      let enough = () => {};
      const sampled = new Promise<void>((settle) => (enough = settle));
      const sampler = setInterval(() => {
        const fewer = Math.min(replies(a), replies(b));
        const more = Math.max(replies(a), replies(b));
        if (!bothSending || more < 20) return;
        worst = Math.min(worst, fewer / more);
        if (++samples === 300) enough();
      }, 1);
      // Until the kernel has taken all of one of them (the end is near), or enough samples.
      await Promise.race([a.sendAll(flood("a")), b.sendAll(flood("b")), sampled]);
      bothSending = false;
      clearInterval(sampler);
      expect(samples).toBeGreaterThan(5);
      expect(worst).toBeGreaterThan(0.3); // one at a time gives 0.1
    },
    T,
  );

  test.skipIf(!POSIX)(
    "prints each connection and each message with its sender's address:port, answers each, keeps running",
    async () => {
      const server = await startServer(["--keep-open"]);
      const a = await rawConnect(server.port);
      const b = await rawConnect(server.port);
      a.socket.write("from a");
      await a.waitFor(/^Got it!$/);
      b.socket.write("from b");
      await b.waitFor(/^Got it!$/);
      a.socket.write("a again");
      await a.waitFor(/^Got it!Got it!$/);
      expect(b.received()).toBe("Got it!");
      a.socket.end();
      b.socket.end();
      await server.waitFor(/left; 0 connected/);
      // Still running after they left: one more client is served.
      const c = await runClient(["127.0.0.1", "--port", String(server.port)], "late\n");
      expect(c.code).toBe(0);
      await server.waitFor(/late\n/, "stdout");
      const lines = server.stdout.trim().split("\n");
      // With --keep-open each "Connection from :" names address:port, as the messages do.
      const joined = lines
        .slice(0, 2)
        .map((l) => l.match(/^Connection from : 127\.0\.0\.1:(\d+)$/)?.[1]);
      const [pa, pb, pa2] = lines
        .slice(2, 5)
        .map((line) => line.match(/^127\.0\.0\.1:(\d+): /)?.[1]);
      expect(lines.slice(2, 5).map((line) => line.replace(/^127\.0\.0\.1:\d+: /, ""))).toEqual([
        "from a",
        "from b",
        "a again",
      ]);
      expect(pa).toBeDefined();
      expect(pa2).toBe(pa!);
      expect(pb).not.toBe(pa!);
      expect(joined).toEqual([pa, pb]);
      expect(lines[6]).toMatch(/^127\.0\.0\.1:\d+: late$/);
      server.proc.kill("SIGINT");
      expect(await server.exit()).toBe(130);
    },
    T,
  );

  test(
    "--max-clients N turns a client over the limit away at once; its client says the server is full; exit 1",
    async () => {
      const server = await startServer(["--keep-open", "--max-clients", "2"]);
      // Two who have both spoken: the room is theirs (all three share one address).
      const a = await rawConnect(server.port);
      const b = await rawConnect(server.port);
      a.socket.write("a");
      b.socket.write("b");
      await a.waitFor(/Got it!/);
      await b.waitFor(/Got it!/);
      // A student who has just started the client (nothing typed yet) is told at once.
      const third = startClient(["127.0.0.1", "--port", String(server.port)]);
      expect(await third.exit()).toBe(1);
      expect(third.stderr.trim()).toBe(
        "The server closed the connection; its last words:\nThe server is full (2 at a time): try again later.",
      );
      expect(hasStackTrace(third.stderr)).toBe(false);
      // One who types at once is turned away too, and what it sends is never printed.
      const fourth = await runClient(["127.0.0.1", "--port", String(server.port)], "me too\n");
      expect(fourth.code).toBe(1);
      expect(fourth.stderr).toMatch(
        /^The server (closed|reset) the connection.*; its last words:\nThe server is full/,
      );
      await server.waitForCount(/Turned away/, 2);
      // The two inside keep working.
      a.socket.write("a");
      b.socket.write("b");
      await a.waitFor(/(Got it!){2}/);
      await b.waitFor(/(Got it!){2}/);
      expect(server.stdout).not.toContain("me too");
      // A place frees up: the next client gets in.
      a.socket.end();
      await server.waitFor(/left; 1 connected/);
      const fifth = await runClient(["127.0.0.1", "--port", String(server.port)], "my turn\n");
      expect(fifth.code).toBe(0);
    },
    T,
  );

  test.skipIf(!PYTHON)(
    "one student's flood, garbage and abrupt reset never disturb another's conversation",
    async () => {
      const server = await startServer(["--keep-open"], { stdout: "ignore" });
      const good = startClient(["127.0.0.1", "--port", String(server.port)]);
      const say = async (text: string, n: number) => {
        good.proc.stdin!.write(`${text}\n`);
        await good.waitFor(new RegExp(`(Got it!\\n[\\s\\S]*){${n}}`), "stdout");
      };
      await say("first", 1);
      // A flood from a client that never reads its replies.
      const flooder = await rawConnect(server.port);
      flooder.socket.pause();
      // 8 MB, every byte: a flood held back from the projector is read at 2 MB a second.
      const flood = flooder.sendAll(new Uint8Array(8 << 20).fill(0x66));
      // Garbage: invalid UTF-8 and terminal control codes.
      const garbage = await rawConnect(server.port);
      garbage.socket.write(new Uint8Array([0xff, 0x1b, 0x5b, 0x32, 0x4a, 0x00, 0x07]));
      // An abrupt reset.
      const reset = startPeer("reset.py", ["client", String(server.port), "bye"]);
      expect(await reset.exit()).toBe(0);
      await say("second", 2);
      await server.waitFor(/left abruptly/);
      await say("third", 3);
      await flood; // it all went through, and the others were served meanwhile
      good.proc.stdin!.end();
      expect(await good.exit()).toBe(0);
      expect(good.stdout).toBe(answered(3) + PROMPT);
      expect(server.proc.exitCode).toBeNull(); // still running
    },
    T,
  );

  test.skipIf(!POSIX)(
    "a class of 60 clients sending 15 messages each: every reply arrives, every message printed once with its sender",
    async () => {
      const server = await startServer(["--keep-open"]);
      const students = 60;
      const each = 15;
      // Each student as its client talks: a message, then its reply, then the next. In the
      // test's own sockets: 60 processes of client.ts cost more CPU than the rest of the file,
      // and the client's own part is tested on its own.
      const talk = async (s: number) => {
        const student = await rawConnect(server.port);
        for (let m = 0; m < each; m++) {
          await student.sendAll(Buffer.from(`student ${s} message ${m}`));
          const replies = () => student.received() === "Got it!".repeat(m + 1);
          await student.waitUntil(replies, `reply ${m} to student ${s}`, T);
        }
        student.socket.end(); // the goodbye
        return student.received();
      };
      const replies = await Promise.all(Array.from({ length: students }, (_, s) => talk(s)));
      expect(replies).toEqual(Array(students).fill("Got it!".repeat(each)));
      const left = () => reported(server.stderr, /left; \d+ connected\./, "clients leaving");
      await server.waitUntil(() => left() === students, "every student's leaving", 20_000);
      const lines = server.stdout.trim().split("\n");
      const joined = lines.map((l) => l.match(/^Connection from : 127\.0\.0\.1:(\d+)$/)?.[1]);
      expect(joined.filter(Boolean).length).toBe(students);
      const messages = lines.filter((l) => !l.startsWith("Connection from"));
      expect(messages.length).toBe(students * each);
      const portOf = new Map<number, string>();
      const seen = new Set<string>();
      for (const line of messages) {
        const m = line.match(/^127\.0\.0\.1:(\d+): (student (\d+) message (\d+))$/);
        expect(m).not.toBeNull();
        const [, port, text, student] = m!;
        expect(seen.has(text!)).toBe(false);
        seen.add(text!);
        const known = portOf.get(Number(student));
        if (known === undefined) portOf.set(Number(student), port!);
        else expect(port).toBe(known);
      }
      expect(seen.size).toBe(students * each);
      expect(new Set(portOf.values()).size).toBe(students);
      expect(new Set(portOf.values())).toEqual(new Set(joined.filter((p) => p !== undefined)));
      server.proc.kill("SIGINT");
      expect(await server.exit()).toBe(130);
    },
    90_000,
  );
});

describe("two computers: the server on one, the client on another", () => {
  if (noNamespaces) console.error(`skipped: the two-computer test: ${noNamespaces}`);

  test.skipIf(noNamespaces !== "")(
    "a client on one host talks to the server on another, and a missing host gives up within --timeout",
    async () => {
      const net = await twoComputers("talk", "10.213.7");
      const server = net.inHost(net.hosts.server, ["bun", SERVER]);
      await server.waitFor(/Listening on 0\.0\.0\.0:1337/);
      expect(server.stderr).toContain(
        `From another computer, over eth0: bun client.ts ${net.serverIP}\n`,
      );
      const hello = { stdin: new Blob(["hello from afar\n"]) };
      const client = net.inHost(net.hosts.client, ["bun", CLIENT, net.serverIP], hello);
      expect(await client.exit()).toBe(0);
      expect(client.stdout).toBe(answered(1) + PROMPT);
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe(`Connection from : ${net.clientIP}\nhello from afar\n`);

      // Nobody holds 10.213.7.99: no answer to ARP, and the client gives up at --timeout.
      const started = performance.now();
      const anyone = { stdin: new Blob(["anyone?\n"]) };
      const args = ["bun", CLIENT, "10.213.7.99", "--timeout", "0.5"];
      const lost = net.inHost(net.hosts.client, args, anyone);
      expect(await lost.exit()).toBe(1);
      expect((performance.now() - started) / 1000).toBeLessThan(4);
      expect(lost.stderr).toBe(
        "No answer from 10.213.7.99:1337 in 0.5 s.\nCheck the address, --port, the firewall, the server.\n",
      );
    },
    30_000,
  );
});
