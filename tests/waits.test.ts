// The tests that only wait, gathered in one file so that they wait at once
// (test.concurrent, through waiting()): keepalive's 20 s, ARP's 3 s, a silent name server,
// the client's 10 s limit, a dripping client. bun test --parallel runs this file beside the
// others; it is as long as its longest wait.
//
// What the client says is what happened on the network. Each condition is made for real, in
// network namespaces this test creates and removes (never by replacing Bun's functions):
// nobody listening, the wrong port, no route, an address nobody holds, a computer that
// ignores ARP (as isolated Wi-Fi does), a firewall that drops, one that rejects, and a name
// server that never answers. Bun 1.4.5 reports "unreachable" as "refused": the client must
// tell them apart itself, and say so where it cannot.

import { afterAll, afterEach, describe, expect } from "bun:test";
import { join } from "node:path";
import {
  CLIENT,
  cleanUp,
  copiedAlone,
  freePort,
  noNamespaces,
  PYTHON,
  ROOT,
  runClient,
  SERVER,
  spawnScript,
  startPeer,
  startServer,
  T,
  twoComputers,
  waiting,
} from "./harness";

afterEach(cleanUp);

if (noNamespaces) console.error(`skipped: the network diagnoses: ${noNamespaces}`);
const SLOW = 30_000; // ms for the tests that wait out ARP (3 s) or a lookup
const APART = "School or guest Wi-Fi may keep devices apart: try a phone's hotspot.";
const NETWORK = `check the address and the network.\n${APART}`; // the first row, then the detail
const hello = () => ({ stdin: new Blob(["hello\n"]) });

describe.skipIf(noNamespaces !== "")("what the client says is what happened", () => {
  waiting(
    "nobody listens on the other computer: refused at once, naming the port; exit 1",
    async () => {
      const net = await twoComputers("refu", "10.214.1");
      const started = performance.now();
      const client = net.inHost(net.hosts.client, ["bun", CLIENT, net.serverIP], hello());
      expect(await client.exit()).toBe(1);
      // Not a timeout (the client's 10 s), whatever the load: its lines say it was at once.
      expect((performance.now() - started) / 1000).toBeLessThan(9);
      expect(client.stderr).toBe(
        `Connection refused by ${net.serverIP}:1337: start the server, or check --port.\nNobody listens on port 1337 there, or a firewall says no.\n`,
      );
    },
    T,
  );

  waiting(
    "the right computer, the wrong port: refused, naming the port tried; exit 1",
    async () => {
      const net = await twoComputers("port", "10.214.2");
      const server = net.inHost(net.hosts.server, ["bun", SERVER, "--keep-open"]);
      await server.waitFor(/Listening on/);
      const args = ["bun", CLIENT, net.serverIP, "--port", "1338"];
      const client = net.inHost(net.hosts.client, args, hello());
      expect(await client.exit()).toBe(1);
      expect(client.stderr).toStartWith(
        `Connection refused by ${net.serverIP}:1338: start the server, or check --port.\nNobody listens on port 1338 there`,
      );
      expect(server.stdout).toBe(""); // nothing reached the server on 1337
    },
    T,
  );

  waiting(
    "no route from the client's computer (Bun says refused): 'No route', at once; exit 1",
    async () => {
      const net = await twoComputers("rout", "10.214.3");
      const started = performance.now();
      const client = net.inHost(net.hosts.client, ["bun", CLIENT, "10.250.0.1"], hello());
      expect(await client.exit()).toBe(1);
      expect((performance.now() - started) / 1000).toBeLessThan(9); // not the 10 s timeout
      expect(client.stderr).toBe(`No route from here to 10.250.0.1: ${NETWORK}\n`);
    },
    T,
  );

  // No answer to ARP: the system says EHOSTUNREACH after about 3 s, and Bun 1.4.5 "refused".
  // The client cannot be sure, and says both; once Bun reports the real code, it is sure.
  const noAnswerLines = (where: string, address: string) =>
    new RegExp(
      `^(No connection to ${where} after \\d+\\.\\d s: is the address right\\?\nNo computer answers, or nobody listens there: Bun cannot tell which\\.\n|No computer answers at ${address}: )`,
    );
  waiting(
    "an address on the network that nobody holds: no word of a refusal, the network named; exit 1",
    async () => {
      const net = await twoComputers("arpn", "10.214.4");
      const client = net.inHost(net.hosts.client, ["bun", CLIENT, "10.214.4.99"], hello());
      expect(await client.exit()).toBe(1);
      expect(client.stderr).toMatch(noAnswerLines("10\\.214\\.4\\.99:1337", "10\\.214\\.4\\.99"));
      expect(client.stderr).toEndWith(`${APART}\n`);
      expect(client.stderr).not.toContain("refused by");
    },
    SLOW,
  );

  waiting(
    "a server whose computer ignores ARP, as isolated Wi-Fi does: the network named, not the server; exit 1",
    async () => {
      const net = await twoComputers("arpo", "10.214.5");
      const server = net.inHost(net.hosts.server, ["bun", SERVER, "--keep-open"]);
      await server.waitFor(/Listening on/);
      net.ip("-n", net.hosts.server, "link", "set", "eth0", "arp", "off");
      const client = net.inHost(net.hosts.client, ["bun", CLIENT, net.serverIP], hello());
      expect(await client.exit()).toBe(1);
      expect(client.stderr).toMatch(noAnswerLines("10\\.214\\.5\\.1:1337", "10\\.214\\.5\\.1"));
      expect(client.stderr).toEndWith(`${APART}\n`);
      expect(server.stdout).toBe("");
    },
    SLOW,
  );

  waiting(
    "a firewall that drops: no answer within --timeout, naming the firewall; exit 1",
    async () => {
      const net = await twoComputers("drop", "10.214.6");
      const server = net.inHost(net.hosts.server, ["bun", SERVER, "--keep-open"]);
      await server.waitFor(/Listening on/);
      net.ip("-n", net.hosts.server, "route", "add", "blackhole", `${net.clientIP}/32`);
      const started = performance.now();
      const args = ["bun", CLIENT, net.serverIP, "--timeout", "1"];
      const client = net.inHost(net.hosts.client, args, hello());
      expect(await client.exit()).toBe(1);
      expect((performance.now() - started) / 1000).toBeLessThan(10);
      expect(client.stderr).toBe(
        `No answer from ${net.serverIP}:1337 in 1 s.\nCheck the address, --port, the firewall, the server.\n`,
      );
    },
    T,
  );

  waiting(
    "a firewall on the way that rejects (ICMP 'prohibited'): refused at once, the firewall named; exit 1",
    async () => {
      // The "server" host is a router to 10.214.17.0/24, whose firewall rejects 10.214.17.2.
      const net = await twoComputers("rejt", "10.214.7");
      const router = net.hosts.server;
      net.ip("netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
      net.ip("-n", router, "route", "add", "prohibit", "10.214.17.2/32");
      net.ip("-n", net.hosts.client, "route", "add", "10.214.17.0/24", "via", net.serverIP);
      const client = net.inHost(net.hosts.client, ["bun", CLIENT, "10.214.17.2"], hello());
      expect(await client.exit()).toBe(1);
      expect(client.stderr).toMatch(
        /^(Connection refused by 10\.214\.17\.2:1337: .*\n.*, or a firewall says no\.|No computer answers at 10\.214\.17\.2: )/,
      );
    },
    T,
  );

  waiting(
    "no port of the client's computer is free to connect from: one line that says so; exit 1",
    async () => {
      const net = await twoComputers("port", "10.214.10");
      const server = net.inHost(net.hosts.server, ["bun", SERVER, "--keep-open"]);
      await server.waitFor(/Listening on/);
      // The client's computer may connect from one port only, and one client holds it.
      net.ip(
        "netns",
        "exec",
        net.hosts.client,
        "sysctl",
        "-qw",
        "net.ipv4.ip_local_port_range=50000 50000",
      );
      const first = net.inHost(net.hosts.client, ["bun", CLIENT, net.serverIP], { stdin: "pipe" });
      await server.waitFor(/Connection from : 10\.214\.10\.2:50000/, "stdout");
      const second = net.inHost(net.hosts.client, ["bun", CLIENT, net.serverIP], hello());
      expect(await second.exit()).toBe(1);
      expect(second.stderr).toBe(
        "No port of this computer is free to connect from: close some connections.\nOr wait a minute: closed ones hold their ports a while.\n",
      );
      first.proc.kill();
    },
    T,
  );

  waiting(
    "an international name is looked up as the system knows it, and an IPv4 address is tried first",
    async () => {
      const net = await twoComputers("idna", "10.214.9");
      const server = net.inHost(net.hosts.server, ["bun", SERVER]);
      await server.waitFor(/Listening on/);
      // The hosts file lists exämple.com as DNS spells it, with an IPv6 address first.
      net.etcFile(
        net.hosts.client,
        "hosts",
        `fd00::1 xn--exmple-cua.com\n${net.serverIP} xn--exmple-cua.com\n`,
      );
      const client = net.inHost(net.hosts.client, ["bun", CLIENT, "exämple.com"], hello());
      expect(await client.exit()).toBe(0);
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe(`Connection from : ${net.clientIP}\nhello\n`);
    },
    T,
  );

  waiting(
    "a name server that never answers: the lookup is bounded, by --timeout for the client and 5 s for the server; exit 1",
    async () => {
      const net = await twoComputers("dnsq", "10.214.8");
      // The server's host asks the client's host, whose "firewall" drops every answer.
      net.etcFile(
        net.hosts.server,
        "resolv.conf",
        `nameserver ${net.clientIP}\noptions timeout:30 attempts:1\n`,
      );
      net.ip("-n", net.hosts.client, "route", "add", "blackhole", `${net.serverIP}/32`);
      let started = performance.now();
      const args = ["bun", CLIENT, "slow.example", "--timeout", "1"];
      const client = net.inHost(net.hosts.server, args, hello());
      expect(await client.exit()).toBe(1);
      expect((performance.now() - started) / 1000).toBeLessThan(10);
      expect(client.stderr).toBe(
        'Looking up "slow.example" took over 1 s: use its address instead.\n',
      );
      started = performance.now();
      const server = net.inHost(net.hosts.server, ["bun", SERVER, "--host", "slow.example"]);
      expect(await server.exit()).toBe(1);
      expect((performance.now() - started) / 1000).toBeLessThan(20);
      expect(server.stderr).toBe(
        'Looking up "slow.example" took over 5 s: use its address instead.\n',
      );
    },
    SLOW,
  );
});

describe("vanished laptops free their places", () => {
  if (noNamespaces) console.error(`skipped: the vanished laptop test: ${noNamespaces}`);

  /**
   * A server with `args` in one namespace, a client laptop in another that says "here" and is
   * answered; then the laptop's link goes down (its lid is shut: no answers at all).
   */
  async function laptopGone(word: string, subnet: string, args: string[]) {
    const net = await twoComputers(word, subnet);
    const { hosts, inHost, serverIP } = net;
    const server = inHost(hosts.server, ["bun", SERVER, ...args]);
    await server.waitFor(/Listening on/);
    const laptop = inHost(hosts.client, ["bun", CLIENT, serverIP], { stdin: "pipe" });
    laptop.proc.stdin!.write("here\n");
    await laptop.waitFor(/Got it!/, "stdout");
    const gone = performance.now();
    net.ip("-n", hosts.client, "link", "set", "eth0", "down");
    const secondsSince = () => (performance.now() - gone) / 1000;
    return { ...net, server, secondsSince };
  }

  waiting.skipIf(noNamespaces !== "")(
    "a client whose network goes away (its cable unplugged) is found gone by TCP keepalive within half a minute, and its place freed",
    async () => {
      const args = ["--keep-open", "--max-clients", "1"];
      const { hosts, inHost, clientIP, server, secondsSince } = await laptopGone(
        "ka",
        "10.213.9",
        args,
      );
      const left = new RegExp(`${clientIP}:\\d+ left abruptly .*; 0 connected\\.`);
      await server.waitFor(left, "stderr", 40_000);
      const seconds = secondsSince();
      expect(seconds).toBeGreaterThan(10); // keepalive waits for 10 s of silence first
      expect(seconds).toBeLessThan(30); // then 10 probes, a second apart
      const next = inHost(hosts.server, ["bun", CLIENT], { stdin: new Blob(["my turn\n"]) });
      expect(await next.exit()).toBe(0); // the place is free again
    },
    50_000,
  );

  waiting.skipIf(noNamespaces !== "")(
    "the lesson's one-client server, with depth/ (depth/server-extras.ts), finds its client's vanished laptop by keepalive within half a minute, and ends as the tutorial's does",
    async () => {
      const { clientIP, server, secondsSince } = await laptopGone("ka1", "10.213.19", []);
      expect(await server.exit()).toBe(1); // the client left abruptly (the test has a limit)
      const seconds = secondsSince();
      expect(seconds).toBeGreaterThan(10); // keepalive waits for 10 s of silence first
      expect(seconds).toBeLessThan(30); // then 10 probes, a second apart
      expect(server.stderr).toMatch(/^The client left abruptly \(.+\)\.$/m);
      expect(server.stdout).toBe(`Connection from : ${clientIP}\nhere\n`);
    },
    50_000,
  );
});

describe("memory is bounded per client", () => {
  waiting.skipIf(!onLinux || !PYTHON)(
    "a client that sends 1-byte segments and never reads its replies: the server stays small, the others are served, and it gets its replies once it reads",
    async () => {
      const server = await startServer(["--keep-open"], { stdout: "ignore" });
      const peak = server.watchMemory();
      // It sends until the kernel pushes back for half a second, or for 6 s (how soon the
      // kernel pushes back is the system's affair: about 4 MB in 5 s here).
      const dripper = startPeer("drip.py", [String(server.port)]);
      const student = await runClient(["--port", String(server.port)], "still served?\n");
      expect(student.code).toBe(0);
      expect(await dripper.exit()).toBe(0);
      expect(dripper.stdout).toMatch(/pushed back after \d+ bytes/);
      expect(Number(dripper.stdout.match(/(\d+) replies/)?.[1])).toBeGreaterThan(0);
      expect(peak()).toBeLessThan(150 * 2 ** 20);
    },
    T,
  );
});

const onLinux = process.platform === "linux";

// The lesson's client copied alone into an empty folder, as in alone.test.ts.
const clientCopy = copiedAlone(CLIENT);
afterAll(() => clientCopy.remove());

describe("each lesson script alone keeps the lesson's promises", () => {
  waiting(
    "a server that never answers: the client gives up within its 10 s limit, what happened and what to check; exit 1",
    async () => {
      using silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
      const started = performance.now();
      const args = ["127.0.0.1", "--port", String(silent.port)];
      const client = clientCopy.run(args, "hello?\n");
      expect(await client.exit()).toBe(1);
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(client.stderr).toMatch(/^No reply from 127\.0\.0\.1:\d+ in 10 s\.\nCheck the address/);
    },
    20_000,
  );
});

const exercise = (name: string, args: string[] = []) =>
  spawnScript(join(ROOT, "exercises", `${name}.ts`), args);

describe("exercises", () => {
  waiting(
    "4: a port in use, nobody listening, or server.ts instead of lines-server.ts: one line each, exit 1, no wait without end",
    async () => {
      const busy = await startServer(["--keep-open"]);
      const taken = exercise("lines-server", ["--port", String(busy.port)]);
      expect(await taken.exit()).toBe(1);
      expect(taken.stderr).toBe("The port is in use: stop the other server (Ctrl-C) first.\n");
      const nobody = exercise("lines-client", ["--port", String(freePort())]);
      expect(await nobody.exit()).toBe(1);
      expect(nobody.stderr).toBe("Nobody listens there: start the server first.\n");
      const started = performance.now();
      const wrong = exercise("lines-client", ["--port", String(busy.port)]);
      expect(await wrong.exit()).toBe(1);
      expect((performance.now() - started) / 1000).toBeLessThan(15);
      expect(wrong.stderr).toBe(
        "No whole reply (ending in a newline): is it lines-server.ts that runs there?\n",
      );
    },
    T,
  );
});
