// The depth's input and output on real descriptors and sockets, fast: the class server's
// output queues (depth/output.ts) and Python's sendall() (depth/sending.ts). Where a test
// needs a process's own standard output and error, it runs a few lines of Bun in a process
// of its own; the rest runs here. The mutation run reaches each rule through these.

import "./no-exit.ts";
import { describe, expect, test } from "bun:test";
import {
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "bun";
import { ClassServer } from "../depth/class-server.ts";
import { CLIENT_USAGE, SERVER_USAGE, type ServerOptions, serverOptions } from "../depth/options.ts";
import { output, printed } from "../depth/output.ts";
import { flush, type Sending, sendAll } from "../depth/sending.ts";
import {
  hasIPv6Loopback,
  noOffline,
  OFFLINE,
  PYTHON,
  python,
  ROOT,
  rawConnect,
  SERVER,
  spawn,
  spawnScript,
  startServer,
  T,
  waiting,
} from "./harness";

/** A folder of its own for one test, removed after it. */
function scratch(): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), "sockets-io-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Numbered lines, each 100 bytes with its newline: "000042 xxxx...". */
const numbered = (i: number) => `${String(i).padStart(6, "0")} ${"x".repeat(92)}`;

/** A few lines of Bun that use depth/output.ts, in a process of its own. */
function runOutput(script: string, stdout: "pipe" | "ignore" = "pipe") {
  const code = `import { output, print, printed } from ${JSON.stringify(`${ROOT}/depth/output.ts`)};\n${script}`;
  return Bun.spawn(["bun", "-e", code], { stdout, stderr: "pipe", stdin: "ignore" });
}

/** Runs a command to its end: its standard output and error, and its exit code. */
async function finished(cmd: string[]) {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, exit] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, exit };
}

describe("the class server's output (depth/output.ts)", () => {
  test("lines come out whole, each with its newline, in the order given; printed() waits for them", async () => {
    using folder = scratch();
    const file = join(folder.dir, "out");
    const fd = openSync(file, "w");
    for (let i = 0; i < 1000; i++) output(fd, numbered(i));
    output(fd, "last");
    await printed();
    closeSync(fd);
    const lines = readFileSync(file, "utf8").split("\n");
    expect(lines.length).toBe(1002); // 1,000, "last", and the empty string after the last \n
    expect(lines.slice(0, 1000)).toEqual(Array.from({ length: 1000 }, (_, i) => numbered(i)));
    expect(lines.slice(1000)).toEqual(["last", ""]);
  });

  test("two outputs each keep their own order", async () => {
    using folder = scratch();
    const [a, b] = [openSync(join(folder.dir, "a"), "w"), openSync(join(folder.dir, "b"), "w")];
    for (let i = 0; i < 50; i++) {
      output(a, `a${i}`);
      output(b, `b${i}`);
    }
    await printed();
    closeSync(a);
    closeSync(b);
    const expected = (p: string) => Array.from({ length: 50 }, (_, i) => `${p}${i}\n`).join("");
    expect(readFileSync(join(folder.dir, "a"), "utf8")).toBe(expected("a"));
    expect(readFileSync(join(folder.dir, "b"), "utf8")).toBe(expected("b"));
  });

  test.skipIf(process.platform === "win32")(
    "a full pipe that does not wait (EAGAIN) is tried again until it takes all: nothing lost, in order; printed() waits for every output",
    async () => {
      using folder = scratch();
      const fifo = join(folder.dir, "fifo");
      expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
      // Both ends here, neither waiting: the writer's end says EAGAIN once 64 KiB wait.
      const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      const count = 5000; // 500 KB: more than the pipe holds, less than the 1 MiB limit
      for (let i = 0; i < count; i++) output(writer, numbered(i));
      const file = openSync(join(folder.dir, "beside"), "w"); // another output, soon done
      output(file, "beside");
      let settled = false;
      const done = printed().then(() => (settled = true));
      let got = "";
      const buffer = Buffer.alloc(65536);
      while (got.length < count * 100) {
        await Bun.sleep(1); // the writes go on in another thread: let them
        let n = 0;
        try {
          n = readSync(reader, buffer);
        } catch {} // EAGAIN: nothing yet
        got += buffer.subarray(0, n).toString();
        if (got.length < count * 100) expect(settled).toBe(false);
      }
      await done;
      await printed(); // with everything out, at once
      closeSync(file);
      closeSync(writer);
      closeSync(reader);
      expect(readFileSync(join(folder.dir, "beside"), "utf8")).toBe("beside\n");
      expect(got).toBe(Array.from({ length: count }, (_, i) => `${numbered(i)}\n`).join(""));
    },
    T,
  );

  test.skipIf(process.platform === "win32")(
    "past 1 MiB waiting for a stopped output, lines are counted, not kept; the count comes on standard error, which the stopped output never holds back",
    async () => {
      // Standard output is a pipe nobody reads yet; standard error is read as it comes.
      const lines = 30_000; // 3 MB of 100-byte lines
      const proc = runOutput(
        `for (let i = 0; i < ${lines}; i++) print(String(i).padStart(6, "0") + " " + "x".repeat(92));\n` +
          `output(2, "standard error goes on");\nawait printed();\noutput(2, "all out");\nawait printed();`,
      );
      const errors = proc.stderr.getReader();
      let stderr = "";
      while (!stderr.includes("standard error goes on")) {
        const { value, done } = await errors.read();
        if (done) break;
        stderr += new TextDecoder().decode(value);
      }
      // While standard output is stopped (the count of what it left out may follow at once).
      expect(stderr.split("\n")[0]).toBe("standard error goes on");
      const stdout = await new Response(proc.stdout).text(); // now read it all
      while (true) {
        const { value, done } = await errors.read();
        if (done) break;
        stderr += new TextDecoder().decode(value);
      }
      expect(await proc.exited).toBe(0);
      const shown = stdout.split("\n").slice(0, -1);
      // What was shown is the first lines, whole and in order, about 1 MiB and not much more.
      expect(shown).toEqual(Array.from({ length: shown.length }, (_, i) => numbered(i)));
      expect(stdout.length).toBeGreaterThan(2 ** 20);
      expect(stdout.length).toBeLessThan(2 ** 20 + 200_000);
      const left = lines - shown.length;
      expect(stderr).toBe(
        `standard error goes on\n(${left} lines of output left out: the terminal took none.)\nall out\n`,
      );
    },
    T,
  );

  test.skipIf(process.platform === "win32")(
    "an output closed early (| head) is dropped: the rest is not held, and printed() still settles",
    async () => {
      const proc = Bun.spawn(
        [
          "bash",
          "-c",
          'bun -e "$0" | head -c 10 > /dev/null',
          `import { print, printed, output } from ${JSON.stringify(`${ROOT}/depth/output.ts`)};\n` +
            `for (let i = 0; i < 100000; i++) print("line " + i);\nawait printed();\noutput(2, "done");\nawait printed();`,
        ],
        { stdout: "pipe", stderr: "pipe" },
      );
      expect(await proc.exited).toBe(0);
      expect(await new Response(proc.stderr).text()).toMatch(/done\n$/);
    },
    T,
  );
});

describe("Python's sendall() (depth/sending.ts)", () => {
  test(
    "sendAll() sends every byte of 20 MB and settles only once all are out",
    async () => {
      const size = 20 * 2 ** 20;
      const bytes = new Uint8Array(size).map((_, i) => i % 251);
      let received = 0;
      let ok = true;
      const allIn = Promise.withResolvers<void>();
      using server = Bun.listen<undefined>({
        hostname: "127.0.0.1",
        port: 0,
        socket: {
          data(_s, chunk) {
            for (let i = 0; i < chunk.length; i++) ok &&= chunk[i] === (received + i) % 251;
            received += chunk.length;
            if (received === size) allIn.resolve();
          },
        },
      });
      const client = await Bun.connect<Sending>({
        hostname: "127.0.0.1",
        port: server.port,
        socket: { data() {}, drain: (s) => flush(s) },
      });
      let settled = false;
      const sending = sendAll(client, bytes).then(() => (settled = true));
      expect(settled).toBe(false); // 20 MB does not fit the system's buffers at once
      await sending;
      expect(client.data.unsent?.length).toBe(0); // settled: every byte was handed over
      await allIn.promise;
      expect(received).toBe(size);
      expect(ok).toBe(true);
      client.end();
    },
    T,
  );

  test("flush() before anything was sent does nothing; a closing socket (-1) counts the bytes as gone", () => {
    flush({ data: undefined } as unknown as Socket<Sending>); // Bun's drain before any send
    let sent = 0;
    const writes: number[] = [];
    const answers = [3, -1]; // three bytes taken, then the socket is closing
    const socket = {
      data: undefined as Sending | undefined,
      write(bytes: Uint8Array) {
        writes.push(bytes.length);
        return answers.shift()!;
      },
    } as unknown as Socket<Sending>;
    void sendAll(socket, new Uint8Array(10)).then(() => sent++);
    expect(writes).toEqual([10]);
    expect(socket.data.unsent?.length).toBe(7);
    flush(socket); // drain: -1, the socket is closing: nothing more will go
    expect(writes).toEqual([10, 7]);
    expect(socket.data.unsent?.length).toBe(0);
    return Promise.resolve().then(() => expect(sent).toBe(1));
  });
});

// The class server here answers in milliseconds: a test that waits longer has failed (and a
// mutant that hangs it ends soon).
const QUICK = 5_000;

/** Lines as they come, with a wait for one that matches. */
class Lines {
  all: string[] = [];
  private waiters: (() => void)[] = [];
  add = (line: string): void => {
    this.all.push(line);
    for (const wake of this.waiters.splice(0)) wake();
  };
  async waitFor(pattern: RegExp): Promise<string> {
    while (true) {
      const found = this.all.find((line) => pattern.test(line));
      if (found !== undefined) return found;
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }
}

/** The class server, here in this process, with its lines kept for the test. */
function classServer(maxClients = 100, more: Partial<ServerOptions> = {}) {
  const stdout = new Lines();
  const stderr = new Lines();
  const options: ServerOptions = {
    host: "127.0.0.1",
    named: "127.0.0.1",
    port: 0,
    keepOpen: true,
    maxClients,
    trace: false,
    ...more,
  };
  const io = {
    print: stdout.add,
    output: (fd: number, line: string) => (fd === 1 ? stdout : stderr).add(line),
    printed: () => Promise.resolve(),
  };
  const server = new ClassServer(options, io);
  server.sayListening();
  return { server, stdout, stderr, [Symbol.dispose]: () => server.close() };
}

/** A student's connection: what it was sent, and a wait for more. */
async function student(port: number, host = "127.0.0.1") {
  const heard = new Lines();
  let text = "";
  const closed = Promise.withResolvers<void>();
  const socket = await Bun.connect({
    hostname: host,
    port,
    socket: {
      data(_s, bytes) {
        text += new TextDecoder().decode(bytes);
        heard.add(text);
      },
      close: () => closed.resolve(),
    },
  });
  const name = `127.0.0.1:${socket.localPort}`;
  return { socket, name, heard, closed: closed.promise, text: () => text };
}

describe("the class server, in this process (depth/class-server.ts)", () => {
  test(
    "each student is announced with its port, each line shown under its name, each chunk answered",
    async () => {
      using cls = classServer();
      expect(await cls.stderr.waitFor(/^Listening on 127\.0\.0\.1:/)).toContain(
        `127.0.0.1:${cls.server.port}`,
      );
      const ana = await student(cls.server.port);
      const ben = await student(cls.server.port);
      await cls.stdout.waitFor(new RegExp(`^Connection from : ${ben.name}$`));
      ana.socket.write("hello\n");
      await ana.heard.waitFor(/^Got it!$/);
      ben.socket.write("hi\nthere\n");
      await ben.heard.waitFor(/^Got it!$/);
      await cls.stdout.waitFor(/there$/);
      expect(cls.stdout.all).toEqual([
        `Connection from : ${ana.name}`,
        `Connection from : ${ben.name}`,
        `${ana.name}: hello`,
        `${ben.name}: hi`,
        `${ben.name}: there`,
      ]);
      ana.socket.end();
      await cls.stderr.waitFor(new RegExp(`^${ana.name} left; 1 connected\\.$`));
      ben.socket.terminate(); // a reset
      await cls.stderr.waitFor(new RegExp(`^${ben.name} left abruptly \\(.+\\); 0 connected\\.$`));
    },
    QUICK,
  );

  test(
    "a full room turns a newcomer away with a notice, and tells the teacher",
    async () => {
      using cls = classServer(1);
      const ana = await student(cls.server.port);
      ana.socket.write("here\n"); // she has spoken: her place is not given away
      await ana.heard.waitFor(/^Got it!$/);
      const ben = await student(cls.server.port);
      await ben.closed;
      expect(ben.text()).toBe("The server is full (1 at a time): try again later.");
      expect(await cls.stderr.waitFor(/^Turned away/)).toBe(
        `Turned away ${ben.name}: the server is full (1 at a time).`,
      );
      expect(cls.stdout.all).not.toContain(`Connection from : ${ben.name}`);
      ana.socket.write("still here\n");
      await cls.stdout.waitFor(/still here$/);
    },
    QUICK,
  );

  test(
    "a character cut short by a student's end is shown, as U+FFFD",
    async () => {
      using cls = classServer();
      const ana = await student(cls.server.port);
      ana.socket.write(new Uint8Array([0x61, 0x62, 0xc3])); // "ab" and half of "é"
      await ana.heard.waitFor(/^Got it!$/);
      ana.socket.end();
      await cls.stdout.waitFor(/\uFFFD$/);
      expect(cls.stdout.all.slice(1)).toEqual([`${ana.name}: ab`, `${ana.name}: \uFFFD`]);
    },
    QUICK,
  );

  test(
    "hidden characters are shown as escapes on the projector",
    async () => {
      using cls = classServer();
      const ana = await student(cls.server.port);
      ana.socket.write("a\x1b[2Jb\u202e\n");
      await cls.stdout.waitFor(/: a/);
      expect(cls.stdout.all[1]).toBe(`${ana.name}: a\\u{1b}[2Jb\\u{202e}`);
    },
    QUICK,
  );

  test(
    "a sender whose text is held back is read at 2 MB a second: 2 MiB take it about a second",
    async () => {
      using cls = classServer();
      const flooder = await student(cls.server.port);
      const lines = `${"x".repeat(99)}\n`.repeat(2 ** 21 / 100); // 2 MiB of lines
      const start = performance.now();
      let left = Buffer.from(lines);
      const more = () => {
        left = left.subarray(Math.max(0, flooder.socket.write(left)));
        if (left.length > 0) setTimeout(more, 5);
        else flooder.socket.shutdown(); // a half-close: it still reads the replies
      };
      more();
      await cls.stderr.waitFor(new RegExp(`^${flooder.name} left`));
      // Without the rate, the server takes 2 MiB in a few milliseconds.
      expect(performance.now() - start).toBeGreaterThan(500);
    },
    QUICK,
  );

  test.skipIf(!PYTHON || process.platform === "win32")(
    "connections reset before the server takes them are each said plainly, and serving goes on",
    async () => {
      using cls = classServer();
      // Python connects and resets (SO_LINGER 0) while this process's event loop waits for
      // it (spawnSync): the server then takes connections that are already gone.
      const reset = Bun.spawnSync([
        python(),
        "-c",
        "import socket, struct, sys\n" +
          "for _ in range(5):\n" +
          "  s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n" +
          "  s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))\n" +
          "  s.close()",
        String(cls.server.port),
      ]);
      expect(reset.exitCode).toBe(0);
      const ana = await student(cls.server.port);
      ana.socket.write("still served\n");
      await cls.stdout.waitFor(/still served$/);
      const resets = cls.stderr.all.filter((line) => line.includes("reset"));
      expect(resets.length).toBeGreaterThan(0);
      for (const line of resets) {
        expect(line).toBe("A client reset its connection before the server could take it.");
      }
      expect(cls.stdout.all.join("\n")).not.toContain("undefined");
    },
    QUICK,
  );

  test.skipIf(!hasIPv6Loopback)(
    "listening on every IPv6 address (::), an IPv4 student is named by its IPv4 address",
    async () => {
      using cls = classServer(100, { host: "::", named: "::" });
      const ana = await student(cls.server.port);
      ana.socket.write("hi\n");
      await cls.stdout.waitFor(/: hi$/);
      expect(cls.stdout.all).toEqual([`Connection from : ${ana.name}`, `${ana.name}: hi`]);
    },
    QUICK,
  );

  test(
    "with --trace, each call Bun makes is told on standard error",
    async () => {
      using cls = classServer(100, { trace: true });
      const ana = await student(cls.server.port);
      ana.socket.write("hi\n");
      await ana.heard.waitFor(/^Got it!$/);
      expect(cls.stderr.all.some((line) => /open/.test(line))).toBe(true);
      expect(cls.stderr.all.some((line) => /data/.test(line))).toBe(true);
    },
    QUICK,
  );
});

/** depth/options.ts in a process of its own: its mistakes, help and checks end a process. */
async function runOptions(call: string, shell = "", prefix: string[] = []) {
  const code =
    `import { serverOptions, clientOptions } from ${JSON.stringify(`${ROOT}/depth/options.ts`)};\n` +
    `const options = await ${call};\nprocess.stdout.write("ok\\n");`;
  // `shell` redirects the process's own standard input or output, as a student's would be.
  const cmd =
    shell === "" ? ["bun", "-e", code] : ["bash", "-c", `exec bun -e "$0" ${shell}`, code];
  return finished([...prefix, ...cmd]);
}

describe.concurrent("the command line's ends: help, mistakes, standard input and output (depth/options.ts)", () => {
  test("--help prints the server's options on standard output, each row within 80 columns; exit 0", async () => {
    const { stdout, stderr, exit } = await runOptions('serverOptions(["--help"])');
    expect([exit, stderr]).toEqual([0, ""]);
    expect(stdout.split("\n").slice(0, 2)).toEqual([
      "usage: bun server.ts [--host HOST] [--port PORT] [--trace]",
      "                     [--keep-open [--max-clients N]]",
    ]);
    for (const row of stdout.split("\n")) expect([row, row.length <= 80]).toEqual([row, true]);
    expect(stdout).toContain("\n  --keep-open  serve the whole class until Ctrl-C");
    expect(stdout).not.toContain("ok\n");
  });
  test("--help (or -h) prints the client's options on standard output, each row within 80 columns; exit 0", async () => {
    for (const help of ["--help", "-h"]) {
      const { stdout, stderr, exit } = await runOptions(`clientOptions(["${help}"])`);
      expect([exit, stderr]).toEqual([0, ""]);
      expect(stdout.split("\n")[0]).toBe(
        "usage: bun client.ts [HOST] [--port PORT] [--timeout SECONDS] [--trace]",
      );
      expect(stdout).toContain("\n  --timeout  seconds to wait for the server each time");
      for (const row of stdout.split("\n")) expect([row, row.length <= 80]).toEqual([row, true]);
    }
  });
  test("a mistake is one line saying what is wrong, then the usage, on standard error; exit 2", async () => {
    const server = await runOptions('serverOptions(["--prot", "5000"])');
    expect([server.exit, server.stdout]).toEqual([2, ""]);
    expect(server.stderr).toBe(`Unknown option '--prot': did you mean --port?\n${SERVER_USAGE}\n`);
    const alone = await runOptions('serverOptions(["--max-clients", "5"])');
    expect(alone.stderr).toBe(`--max-clients goes with --keep-open\n${SERVER_USAGE}\n`);
    const client = await runOptions('clientOptions(["--timeot", "2"])');
    expect([client.exit, client.stdout]).toEqual([2, ""]);
    expect(client.stderr).toBe(
      `Unknown option '--timeot': did you mean --timeout?\n${CLIENT_USAGE}\n`,
    );
    const trace = await runOptions('clientOptions(["--trac"])');
    expect(trace.stderr.split("\n")[0]).toBe("Unknown option '--trac': did you mean --trace?");
    const help = await runOptions('clientOptions(["--hepl"])');
    expect(help.stderr.split("\n")[0]).toBe("Unknown option '--hepl': did you mean --help?");
    const port = await runOptions('clientOptions(["--prt", "1"])');
    expect(port.stderr.split("\n")[0]).toBe("Unknown option '--prt': did you mean --port?");
    for (const [typo, meant] of [
      ["--hots", "--host"],
      ["--keep-opne", "--keep-open"],
      ["--max-client", "--max-clients"],
      ["--trac", "--trace"],
      ["--hepl", "--help"],
    ]) {
      const { stderr } = await runOptions(`serverOptions(["${typo}"])`);
      expect(stderr.split("\n")[0]).toBe(`Unknown option '${typo}': did you mean ${meant}?`);
    }
  });
  test.skipIf(noOffline !== "")(
    "a --host name that cannot be looked up is one line; exit 1",
    async () => {
      const { stdout, stderr, exit } = await runOptions(
        'serverOptions(["--host", "no-such-host.invalid"])',
        "",
        OFFLINE,
      );
      expect([exit, stdout]).toEqual([1, ""]);
      expect(stderr).toBe(
        'No computer named "no-such-host.invalid": check it, or use its address.\n',
      );
    },
    T,
  );
  test.skipIf(process.platform === "win32")(
    "standard input that is a folder: one line; exit 1",
    async () => {
      const { stdout, stderr, exit } = await runOptions('clientOptions(["--port", "5000"])', "< /");
      expect([exit, stdout]).toEqual([1, ""]);
      expect(stderr).toBe("Standard input is a folder: give a file, as in < notes.txt.\n");
    },
  );
  test.skipIf(process.platform !== "linux")(
    "standard input opened to write: one line; exit 1",
    async () => {
      const { stdout, stderr, exit } = await runOptions("clientOptions([])", "0> /dev/null");
      expect([exit, stdout]).toEqual([1, ""]);
      expect(stderr).toBe("Standard input cannot be read (it was opened to write): use < FILE.\n");
    },
  );
  test("--host as it was typed is kept for the banner: localhost, looked up as 127.0.0.1", async () => {
    const options = await serverOptions(["--host", "localhost"]);
    expect(options.host).toBe("127.0.0.1");
    expect(options.named).toBe("localhost");
  });
});

/** depth/connect.ts in a process of its own, with a client's command line. */
async function runConnect(args: string[], prefix: string[] = []) {
  using folder = scratch();
  const script = join(folder.dir, "connect.ts");
  const depth = (name: string) => JSON.stringify(`${ROOT}/depth/${name}.ts`);
  await Bun.write(
    script,
    `import { connect } from ${depth("connect")};\n` +
      `import { readClientOptions } from ${depth("options")};\n` +
      "const options = readClientOptions(process.argv.slice(2));\n" +
      "const how = { hostname: options.host, port: options.port, data: {} };\n" +
      "const s = await connect({ ...how, socket: { open() {}, data() {} } }, options);\n" +
      'console.log("connected to " + s.remoteAddress);\ns.end();\n',
  );
  return await finished([...prefix, "bun", script, ...args]);
}

describe.concurrent("a connect, named truly (depth/connect.ts), in a process of its own", () => {
  test("a server that listens: connected, with nothing said; --trace tells each call", async () => {
    using server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const plain = await runConnect(["localhost", "--port", String(server.port)]);
    expect([plain.exit, plain.stdout, plain.stderr]).toEqual([0, "connected to 127.0.0.1\n", ""]);
    const traced = await runConnect(["127.0.0.1", "--port", String(server.port), "--trace"]);
    expect(traced.exit).toBe(0);
    expect(traced.stderr).toMatch(/open/);
  });
  test("nobody listens on this computer: refused, start the server; exit 1", async () => {
    const free = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = free.port;
    free.stop(true); // now nobody listens there
    const { stdout, stderr, exit } = await runConnect(["127.0.0.1", "--port", String(port)]);
    expect([exit, stdout]).toEqual([1, ""]);
    expect(stderr).toBe(
      `Connection refused by 127.0.0.1:${port}: start the server first (nobody listens).\n`,
    );
  });
  test.skipIf(noOffline !== "")(
    "offline: a name nobody can look up, an IPv4 address with no route, an IPv6 one with no address to send from; exit 1",
    async () => {
      const name = await runConnect(["no-such-host.invalid", "--timeout", "2"], OFFLINE);
      expect([name.exit, name.stdout]).toEqual([1, ""]);
      expect(name.stderr).toBe(
        'No computer named "no-such-host.invalid": check it, or use its address.\n',
      );
      const v4 = await runConnect(["10.1.2.3", "--port", "5000"], OFFLINE);
      expect([v4.exit, v4.stdout]).toEqual([1, ""]);
      expect(v4.stderr.split("\n")[0]).toBe(
        "No route from here to 10.1.2.3: check the address and the network.",
      );
      // With no address of its own, IPv6 is as good as off: the line says so.
      const v6 = await runConnect(["2001:db8::1", "--port", "5000"], OFFLINE);
      expect([v6.exit, v6.stdout]).toEqual([1, ""]);
      expect(v6.stderr).toBe(
        "2001:db8::1 is IPv6, which is off on this computer.\nUse the computer's IPv4 address instead.\n",
      );
    },
    T,
  );
});

describe("the class server as a process: its signals, its port, its descriptors (depth/class-server.ts)", () => {
  for (const [signal, code, said] of [
    ["SIGINT", 130, "Ctrl-C"],
    ["SIGTERM", 143, "SIGTERM"],
    ["SIGHUP", 129, "SIGHUP"],
  ] as const) {
    waiting(
      `${signal} stops it with one line, "Stopped by ${said}.", exit ${code}; each student is closed in order`,
      async () => {
        const server = await startServer(["--keep-open"]);
        const student = await rawConnect(server.port);
        await server.waitFor(/Connection from/, "stdout");
        server.proc.kill(signal);
        expect(await server.exit()).toBe(code);
        expect(server.stderr.split("\n").at(-2)).toBe(`Stopped by ${said}.`);
        expect(server.stderr).not.toContain("\n\nStopped"); // no terminal: no ^C to step off
        await student.waitEnd();
        expect(student.sawEnd()).toBe(true); // a FIN,
        expect(student.closeError()).toBeUndefined(); // not a reset
      },
      T,
    );
  }
  waiting.skipIf(process.platform !== "linux" || !Bun.which("prlimit"))(
    "out of file descriptors: each connection over the limit is closed with a line saying what to do",
    async () => {
      const limit = ["prlimit", "--nofile=40:40", "bun", SERVER, "--port", "0", "--keep-open"];
      const server = spawn(limit);
      const port = Number((await server.waitFor(/Listening on [^\s;]*:(\d+)/))[1]);
      const peers = await Promise.all(Array.from({ length: 50 }, () => rawConnect(port)));
      for (const peer of peers) peer.socket.write("hi");
      const answered = (peer: (typeof peers)[number]) => peer.received() === "Got it!";
      await Promise.all(
        peers.map((peer) =>
          peer.waitUntil(() => answered(peer) || peer.closed(), "reply or close"),
        ),
      );
      const closed = peers.length - peers.filter(answered).length;
      expect(closed).toBeGreaterThan(0);
      const line =
        /Closed 127\.0\.0\.1:\d+ after an error: no file descriptor left: raise ulimit -n\n/g;
      await server.waitForCount(line, closed);
    },
    T,
  );
  waiting(
    "a port in use: one line that says what to do; exit 1",
    async () => {
      using other = Bun.listen({ hostname: "0.0.0.0", port: 0, socket: { data() {} } });
      const server = spawnScript(SERVER, ["--keep-open", "--port", String(other.port)]);
      expect(await server.exit()).toBe(1);
      expect(server.stderr).toBe(
        `Port ${other.port} is in use: stop the other server (Ctrl-C), or use another --port.\n`,
      );
    },
    T,
  );
});

/** A network of its own (unshare -n, its loopback up) set up by `setup`, and a command in it. */
function inOwnNetwork(setup: string, cmd: string[]) {
  const script = `ip link set lo up && ${setup} && exec "$@"`;
  return [...OFFLINE, "sh", "-c", script, "sh", ...cmd];
}

describe.concurrent("what a connect meets in a network of the test's own (depth/connect.ts, depth/names.ts)", () => {
  test.skipIf(noOffline !== "")(
    "an address nobody listens on, elsewhere: refused, with both causes; a route marked unreachable: no computer answers",
    async () => {
      // 10.9.9.9 is an address of that network's own (on its loopback), not this computer's name.
      const setup = "ip addr add 10.9.9.9/32 dev lo && ip route add unreachable 10.8.0.0/16";
      const prefix = inOwnNetwork(setup, []);
      const refused = await runConnect(["10.9.9.9", "--port", "5000"], prefix);
      expect([refused.exit, refused.stdout]).toEqual([1, ""]);
      expect(refused.stderr).toBe(
        "Connection refused by 10.9.9.9:5000: start the server, or check --port.\n" +
          "Nobody listens on port 5000 there, or a firewall says no.\n",
      );
      const unreachable = await runConnect(["10.8.1.1", "--port", "5000"], prefix);
      expect(unreachable.stderr.split("\n")[0]).toBe(
        "No computer answers at 10.8.1.1: check the address and the network.",
      );
      // IPv6 is on there (::1 on its loopback), with no route beyond it.
      const v6 = await runConnect(["2001:db8::1", "--port", "5000"], prefix);
      expect(v6.stderr.split("\n")[0]).toBe(
        "No route from here to 2001:db8::1: check the address and the network.",
      );
    },
    T,
  );
  test.skipIf(noOffline !== "")(
    "a name with an IPv6 and an IPv4 address is looked up as IPv4, as the tutorial's socket does",
    async () => {
      using folder = scratch();
      const hosts = join(folder.dir, "hosts");
      await Bun.write(hosts, "::1 both.example\n127.0.0.1 both.example\n");
      const code =
        `import { lookUp } from ${JSON.stringify(`${ROOT}/depth/names.ts`)};\n` +
        'console.log(await lookUp("both.example", 5));';
      const cmd = ["unshare", "-m", "sh", "-c", `mount --bind "$0" /etc/hosts && exec bun -e "$1"`];
      const { stdout: out, stderr: err, exit } = await finished([...OFFLINE, ...cmd, hosts, code]);
      expect([exit, err]).toEqual([0, ""]);
      expect(out).toBe("127.0.0.1\n");
    },
    T,
  );
});

describe("the addresses the banner offers (depth/listening.ts), in a network of the test's own", () => {
  test.skipIf(noOffline !== "")(
    "IPv4 addresses others can reach, wired and Wi-Fi first: not loopback, link-local or IPv6",
    async () => {
      const links = [
        ["docker0", "172.17.0.1/16"],
        ["eth0", "10.5.0.2/24"],
        ["wlan0", "169.254.3.3/16"], // self-assigned: nobody else reaches it
        ["wlan1", "192.168.7.20/24"],
      ];
      const setup = links
        .map(
          ([name, address]) =>
            `ip link add ${name} type veth peer name ${name}p && ip link set ${name}p up && ip link set ${name} up && ip addr add ${address} dev ${name}`,
        )
        .join(" && ");
      const code =
        `import { addressesForOthers } from ${JSON.stringify(`${ROOT}/depth/listening.ts`)};\n` +
        "console.log(JSON.stringify(addressesForOthers()));";
      const cmd = inOwnNetwork(`${setup} && ip addr add 2001:db8::5/64 dev eth0`, [
        "bun",
        "-e",
        code,
      ]);
      const { stdout: out, stderr: err, exit } = await finished(cmd);
      expect([exit, err]).toEqual([0, ""]);
      expect(JSON.parse(out)).toEqual([
        { via: "eth0", address: "10.5.0.2" },
        { via: "wlan1", address: "192.168.7.20" },
        { via: "docker0", address: "172.17.0.1" },
      ]);
    },
    T,
  );
});
