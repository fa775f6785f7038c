// Two computers and a whole class: addresses, IPv6, --keep-open and --max-clients.

import { afterEach, describe, expect, test } from "bun:test";
import { networkInterfaces } from "node:os";
import {
  CLIENT,
  PROMPT,
  PYTHON,
  SERVER,
  Running,
  hasStackTrace,
  rawConnect,
  runClient,
  spawnScript,
  startClient,
  startPeer,
  startServer,
  cleanUp,
} from "./harness";

afterEach(cleanUp);

const T = 15_000;
const answered = (n: number) => `${PROMPT}Got it!\n`.repeat(n);
const hasIPv6Loopback = Object.values(networkInterfaces()).some((list) =>
  (list ?? []).some((a) => a.address === "::1"),
);
if (!hasIPv6Loopback) console.error("skipped: the IPv6 tests need the ::1 loopback address");

describe("options and help", () => {
  for (const [script, options] of [
    [SERVER, ["--host", "--port", "--keep-open", "--max-clients", "--help"]],
    [CLIENT, ["HOST:PORT", "[IPv6]:PORT", "--host", "--port", "--timeout", "--help"]],
  ] as const) {
    const name = script.endsWith("server.ts") ? "server.ts" : "client.ts";
    test(
      `${name} --help lists every option, with examples; exit 0`,
      async () => {
        const proc = spawnScript(script, ["--help"]);
        expect(await proc.exit()).toBe(0);
        for (const option of options) expect(proc.stdout).toContain(option);
        expect(proc.stdout).toContain("Examples:");
        expect(proc.stdout.match(new RegExp(`^  bun ${name}`, "gm"))?.length).toBeGreaterThanOrEqual(2);
        expect(proc.stderr).toBe("");
      },
      T,
    );
  }

  test(
    "the client takes the server's address first, as HOST, HOST:PORT or with --port",
    async () => {
      const forms = (port: number) => [
        ["127.0.0.1", "--port", `${port}`],
        [`127.0.0.1:${port}`],
        [`localhost:${port}`],
        ["--host", "127.0.0.1", "--port", `${port}`],
      ];
      for (let form = 0; form < 4; form++) {
        const server = await startServer();
        const args = forms(server.port)[form]!;
        const client = await runClient(args, "hello\n");
        expect(client.stdout).toBe(answered(1) + PROMPT);
        expect(client.code).toBe(0);
        expect(await server.exit()).toBe(0);
      }
    },
    T,
  );

  for (const args of [["a", "b"], ["127.0.0.1", "--host", "127.0.0.1"], ["127.0.0.1:1337", "--port", "1337"], ["host:port"]]) {
    test(
      `client.ts ${args.join(" ")} is a usage mistake; exit 2`,
      async () => {
        const proc = spawnScript(CLIENT, args);
        expect(await proc.exit()).toBe(2);
        expect(proc.stderr).toContain("usage: bun client.ts");
        expect(hasStackTrace(proc.stderr)).toBe(false);
      },
      T,
    );
  }

  test(
    "server.ts --max-clients without --keep-open is a usage mistake; exit 2",
    async () => {
      const proc = spawnScript(SERVER, ["--max-clients", "5"]);
      expect(await proc.exit()).toBe(2);
      expect(proc.stderr).toContain("--max-clients goes with --keep-open");
    },
    T,
  );
});

describe("addresses", () => {
  test(
    "on all interfaces, the server names this computer's addresses as ready-to-type commands",
    async () => {
      const server = await startServer();
      const own = Object.values(networkInterfaces())
        .flatMap((list) => list ?? [])
        .filter((a) => a.family === "IPv4" && !a.internal)
        .map((a) => a.address);
      for (const ip of own) expect(server.stderr).toContain(`From another computer: bun client.ts ${ip} --port ${server.port}`);
      if (own.length > 0) expect(server.stderr).toMatch(/firewall .* allow TCP port/);
      expect(server.stderr).toContain(`On this computer: bun client.ts --port ${server.port}`);
    },
    T,
  );

  test(
    "--host 127.0.0.1 serves this computer and says other computers cannot connect",
    async () => {
      const server = await startServer(["--host", "127.0.0.1"]);
      expect(server.stderr).toContain(`Listening on 127.0.0.1:${server.port}`);
      expect(server.stderr).toContain("other computers cannot");
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
      const four = await runClient([`127.0.0.1:${server.port}`], "over IPv4\n");
      const six = await runClient([`[::1]:${server.port}`], "over IPv6\n");
      expect(four.code).toBe(0);
      expect(six.code).toBe(0);
      await server.waitFor(/over IPv6/, "stdout");
      expect(server.stdout).toContain("Connection from : 127.0.0.1\n");
      expect(server.stdout).toContain("Connection from : ::1\n");
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

  for (const wrong of ["192.0.2.123", "no-such-host.invalid"]) {
    test(
      `--host ${wrong}, not this computer's, says so; exit 1`,
      async () => {
        const server = spawnScript(SERVER, ["--host", wrong, "--port", "0"]);
        expect(await server.exit()).toBe(1);
        expect(server.stderr.trim()).toBe(
          `This computer has no address ${wrong}: use one of its own addresses with --host, or leave --host out.`,
        );
      },
      T,
    );
  }
});

describe("the whole class at once (--keep-open)", () => {
  test(
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
      const c = await runClient([`127.0.0.1:${server.port}`], "late\n");
      expect(c.code).toBe(0);
      await server.waitFor(/late\n/, "stdout");
      const lines = server.stdout.trim().split("\n");
      expect(lines.slice(0, 2)).toEqual(["Connection from : 127.0.0.1", "Connection from : 127.0.0.1"]);
      const [pa, pb, pa2] = lines.slice(2, 5).map((line) => line.match(/^127\.0\.0\.1:(\d+): /)?.[1]);
      expect(lines.slice(2, 5).map((line) => line.replace(/^127\.0\.0\.1:\d+: /, ""))).toEqual([
        "from a",
        "from b",
        "a again",
      ]);
      expect(pa).toBeDefined();
      expect(pa2).toBe(pa!);
      expect(pb).not.toBe(pa!);
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
      const a = await rawConnect(server.port);
      const b = await rawConnect(server.port);
      await server.waitFor(/(Connection from.*\n){2}/, "stdout");
      // A student who has just started the client (nothing typed yet) is told at once.
      const third = startClient([`127.0.0.1:${server.port}`]);
      expect(await third.exit()).toBe(1);
      expect(third.stderr.trim()).toMatch(/^The server closed the connection, saying: The server is full \(it serves 2 clients at a time\)/);
      expect(hasStackTrace(third.stderr)).toBe(false);
      // The two inside keep working.
      a.socket.write("a");
      b.socket.write("b");
      await a.waitFor(/Got it!/);
      await b.waitFor(/Got it!/);
      expect(server.stdout).not.toContain("me too");
      // A place frees up: the next client gets in.
      a.socket.end();
      await server.waitFor(/left; 1 connected/);
      const fourth = await runClient([`127.0.0.1:${server.port}`], "my turn\n");
      expect(fourth.code).toBe(0);
    },
    T,
  );

  test.skipIf(!PYTHON)(
    "one student's flood, garbage and abrupt reset never disturb another's conversation",
    async () => {
      const server = await startServer(["--keep-open"], { stdout: "ignore" });
      const good = startClient([`127.0.0.1:${server.port}`]);
      const say = async (text: string, n: number) => {
        good.proc.stdin!.write(`${text}\n`);
        await good.waitFor(new RegExp(`(Got it!\\n[^]*){${n}}`), "stdout");
      };
      await say("first", 1);
      // A flood from a client that never reads its replies.
      const flooder = await rawConnect(server.port);
      flooder.socket.pause();
      const block = new Uint8Array(1 << 20).fill(0x66);
      for (let i = 0; i < 64; i++) flooder.socket.write(block);
      // Garbage: invalid UTF-8 and terminal control codes.
      const garbage = await rawConnect(server.port);
      garbage.socket.write(new Uint8Array([0xff, 0x1b, 0x5b, 0x32, 0x4a, 0x00, 0x07]));
      // An abrupt reset.
      const reset = startPeer("reset.py", ["client", String(server.port), "bye"]);
      expect(await reset.exit()).toBe(0);
      await say("second", 2);
      await server.waitFor(/left abruptly/);
      await say("third", 3);
      good.proc.stdin!.end();
      expect(await good.exit()).toBe(0);
      expect(good.stdout).toBe(answered(3) + PROMPT);
      expect(server.proc.exitCode).toBeNull(); // still running
    },
    T,
  );

  test(
    "a class of 60 clients sending 15 messages each: every reply arrives, every message printed once with its sender",
    async () => {
      const server = await startServer(["--keep-open"]);
      const students = 60;
      const each = 15;
      const clients: Running[] = [];
      for (let s = 0; s < students; s++) {
        const input = Array.from({ length: each }, (_, m) => `student ${s} message ${m}`).join("\n") + "\n";
        clients.push(startClient([`127.0.0.1:${server.port}`], new Blob([input])));
      }
      const codes = await Promise.all(clients.map((c) => c.exit()));
      expect(codes.every((code) => code === 0)).toBe(true);
      for (const c of clients) expect(c.stdout).toBe(answered(each) + PROMPT);
      await server.waitForCount(/left; \d+ connected\./, students, "stderr", 20_000);
      const lines = server.stdout.trim().split("\n");
      expect(lines.filter((l) => l === "Connection from : 127.0.0.1").length).toBe(students);
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
      server.proc.kill("SIGINT");
      expect(await server.exit()).toBe(130);
    },
    90_000,
  );
});

describe("two real computers (network namespaces)", () => {
  const isRoot = process.getuid?.() === 0;
  const ip = Bun.which("ip");
  const why = !isRoot ? "it needs root" : !ip ? "it needs the ip command (iproute2)" : "";
  if (why) console.error(`skipped: the two-computer test: ${why}`);

  test.skipIf(why !== "")(
    "a client on one host talks to the server on another, and a missing host gives up within --timeout",
    async () => {
      const tag = `${process.pid % 100000}`;
      const [serverHost, clientHost] = [`sob-srv-${tag}`, `sob-cli-${tag}`];
      const subnet = `10.213.${(process.pid % 200) + 20}`;
      const [serverIP, clientIP, nobodyIP] = [`${subnet}.1`, `${subnet}.2`, `${subnet}.99`];
      const run = (...args: string[]) => {
        const r = Bun.spawnSync([ip!, ...args], { stderr: "pipe" });
        if (r.exitCode !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr.toString()}`);
      };
      try {
        run("netns", "add", serverHost);
        run("netns", "add", clientHost);
        run("link", "add", `sobs${tag}`, "type", "veth", "peer", "name", `sobc${tag}`);
        run("link", "set", `sobs${tag}`, "netns", serverHost);
        run("link", "set", `sobc${tag}`, "netns", clientHost);
        run("-n", serverHost, "addr", "add", `${serverIP}/24`, "dev", `sobs${tag}`);
        run("-n", clientHost, "addr", "add", `${clientIP}/24`, "dev", `sobc${tag}`);
        for (const [host, dev] of [[serverHost, `sobs${tag}`], [clientHost, `sobc${tag}`]]) {
          run("-n", host!, "link", "set", "lo", "up");
          run("-n", host!, "link", "set", dev!, "up");
        }
        const inHost = (host: string, script: string, args: string[], stdin: "ignore" | Blob) =>
          new Running(
            Bun.spawn([ip!, "netns", "exec", host, "bun", script, ...args], { stdin: stdin as "ignore", stdout: "pipe", stderr: "pipe" }),
          );
        const server = inHost(serverHost, SERVER, [], "ignore");
        await server.waitFor(/Listening on 0\.0\.0\.0:1337/);
        expect(server.stderr).toContain(`From another computer: bun client.ts ${serverIP}\n`);
        const client = inHost(clientHost, CLIENT, [serverIP], new Blob(["hello from afar\n"]));
        expect(await client.exit()).toBe(0);
        expect(client.stdout).toBe(answered(1) + PROMPT);
        expect(await server.exit()).toBe(0);
        expect(server.stdout).toBe(`Connection from : ${clientIP}\nhello from afar\n`);

        const started = performance.now();
        const lost = inHost(clientHost, CLIENT, [nobodyIP, "--timeout", "2"], new Blob(["anyone?\n"]));
        expect(await lost.exit()).toBe(1);
        const seconds = (performance.now() - started) / 1000;
        expect(seconds).toBeLessThan(4);
        expect(lost.stderr.trim()).toMatch(new RegExp(`^No answer from ${nobodyIP}:1337 within 2 s.*firewall`));

        // An address with no route from the client's host at all (nothing is sent). Bun
        // reports it as a refusal, so the message names the network as well.
        const noRoute = `${subnet.replace(/\.\d+$/, ".250")}.1`;
        const unreachable = inHost(clientHost, CLIENT, [noRoute], new Blob(["anyone?\n"]));
        expect(await unreachable.exit()).toBe(1);
        expect(unreachable.stderr.trim()).toBe(
          `Connection refused by ${noRoute}:1337: nobody is listening there. Start the server first (bun server.ts), and check the address, the port, and that both computers are on the same network.`,
        );
      } finally {
        Bun.spawnSync([ip!, "netns", "del", serverHost]);
        Bun.spawnSync([ip!, "netns", "del", clientHost]);
      }
      expect(Bun.spawnSync([ip!, "netns", "list"]).stdout.toString()).not.toContain(`sob-srv-${tag}`);
    },
    30_000,
  );
});
