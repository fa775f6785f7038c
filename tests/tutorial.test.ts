// The tutorial's promises, kept by the real server.ts and client.ts over loopback.

import { afterEach, describe, expect, test } from "bun:test";
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  answered,
  CLIENT,
  cleanUp,
  hasIPv6Loopback,
  hasStackTrace,
  oneLine,
  POSIX,
  PROMPT,
  ROOT,
  rawConnect,
  reported,
  runClient,
  SERVER,
  spawn,
  spawnScript,
  spawnShell,
  startClient,
  startServer,
  T,
} from "./harness";

afterEach(cleanUp);

describe("the tutorial, on one computer", () => {
  test.skipIf(!hasIPv6Loopback)(
    "with --host ::, an IPv4 client is shown by its IPv4 address (127.0.0.1), as Python shows it, not as ::ffff:127.0.0.1",
    async () => {
      const server = await startServer(["--host", "::"]);
      const client = await runClient(["127.0.0.1", "--port", String(server.port)], "hi\n");
      expect(client.code).toBe(0);
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\nhi\n");
    },
    T,
  );

  test(
    "server and client print exactly what the tutorial's programs print",
    async () => {
      const server = await startServer();
      const client = await runClient(["--port", String(server.port)], "hello\nworld\n");
      expect(client.stdout).toBe(answered(2) + PROMPT);
      expect(client.code).toBe(0);
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\nhello\nworld\n");
      expect(server.stderr).toContain(`Listening on 0.0.0.0:${server.port}`);
      expect(hasStackTrace(server.stderr + client.stderr)).toBe(false);
    },
    T,
  );

  test(
    "UTF-8 messages up to 1 KiB print byte for byte",
    async () => {
      const messages = ["héllo wörld", "naïve café ✓ 你好 🙂", "x".repeat(1000), "tab\there"];
      const server = await startServer();
      const client = await runClient(["--port", String(server.port)], messages.join("\n") + "\n");
      expect(client.code).toBe(0);
      expect(client.stdout).toBe(answered(messages.length) + PROMPT);
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe(`Connection from : 127.0.0.1\n${messages.join("\n")}\n`);
    },
    T,
  );

  test(
    "an empty line is not sent and never hangs the client",
    async () => {
      const server = await startServer();
      const client = await runClient(["--port", String(server.port)], "one\n\n\ntwo\n");
      expect(client.code).toBe(0);
      expect(client.stdout).toBe(`${PROMPT}Got it!\n${PROMPT}${PROMPT}${answered(1)}${PROMPT}`);
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\none\ntwo\n");
    },
    T,
  );

  test(
    "a line ending in CRLF is sent without its \\r",
    async () => {
      const server = await startServer();
      const client = await runClient(["--port", String(server.port)], "one\r\ntwo\r\n");
      expect(client.stdout).toBe(answered(2) + PROMPT);
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\none\ntwo\n");
    },
    T,
  );

  test(
    "the last line of piped input counts without a final newline",
    async () => {
      const server = await startServer();
      const client = await runClient(["--port", String(server.port)], "one\nlast words");
      expect(client.code).toBe(0);
      expect(client.stdout).toBe(answered(2) + PROMPT);
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\none\nlast words\n");
    },
    T,
  );

  test(
    "a character split across two chunks prints whole",
    async () => {
      const server = await startServer();
      const peer = await rawConnect(server.port);
      // "é" is the two bytes C3 A9: send the first, wait for the reply, then the second.
      peer.socket.write(new Uint8Array([0x61, 0x62, 0xc3]));
      await peer.waitFor(/Got it!/);
      peer.socket.write(new Uint8Array([0xa9, 0x63, 0x64]));
      await peer.waitFor(/Got it!Got it!/);
      peer.socket.shutdown();
      await peer.waitClosed();
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\nab\nécd\n");
    },
    T,
  );

  test(
    "while it serves one client, a second is told the server is busy (exit 1) and the port stays taken",
    async () => {
      const server = await startServer();
      const first = await rawConnect(server.port);
      await server.waitFor(/Connection from/, "stdout");
      const second = await runClient(["--port", String(server.port)], "hello\n");
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        /^The server (closed|reset) the connection.*; its last words:\nThe server is busy with another client: try again later\.\n$/,
      );
      expect(second.stdout).not.toContain("Got it!");
      await server.waitFor(/Turned away 127\.0\.0\.1: busy with another client\./);
      // "Refused" means nobody listens: a second server on the same port is told it is taken.
      const other = spawnScript(SERVER, ["--port", String(server.port)]);
      expect(await other.exit()).toBe(1);
      expect(other.stderr).toContain(`Port ${server.port} is in use`);
      // The first client is still served, and nothing of the second's was printed.
      first.socket.write("still here");
      await first.waitFor(/Got it!/);
      first.socket.shutdown();
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\nstill here\n");
    },
    T,
  );

  test(
    "end of input half-closes, and the client prints the server's last replies before exiting 0",
    async () => {
      // A server of our own that says goodbye only once the client has finished sending.
      let got = "";
      const listener = Bun.listen({
        hostname: "127.0.0.1",
        port: 0,
        allowHalfOpen: true,
        socket: {
          data(s, data) {
            got += new TextDecoder().decode(data);
            s.write("Got it!");
          },
          end(s) {
            s.write("Bye.");
            s.end();
          },
        },
      });
      try {
        const client = await runClient(["--port", String(listener.port)], "one\n");
        expect(client.stdout).toBe(`${PROMPT}Got it!\n${PROMPT}Bye.\n`);
        expect(client.code).toBe(0);
        expect(got).toBe("one");
      } finally {
        listener.stop(true);
      }
    },
    T,
  );

  test.skipIf(!POSIX)(
    "printf 'hello\\nworld\\n' | bun client.ts ends by itself, and so does the server",
    async () => {
      const server = await startServer();
      const shell = spawnShell(
        `printf 'hello\\nworld\\n' | bun "$1" --port "$2"`,
        CLIENT,
        `${server.port}`,
      );
      expect(await shell.exit()).toBe(0);
      expect(shell.stdout).toBe(answered(2) + PROMPT);
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\nhello\nworld\n");
    },
    T,
  );
});

describe("every byte is sent", () => {
  test("a single line of 64 MiB, the longest the client keeps, piped into the client arrives whole at the server", async () => {
    const size = 2 ** 26; // the client's MAX_LINE: one byte more is refused (/dev/zero)
    const line = new Uint8Array(size + 1);
    for (let i = 0; i < size; i++) line[i] = 97 + (i % 26); // abc...z, over and over
    line[size] = 10; // "\n"
    const server = await startServer();
    const started = performance.now();
    const client = await runClient(["--port", String(server.port)], line);
    expect(await server.exit()).toBe(0);
    const seconds = (performance.now() - started) / 1000;
    expect(client.code).toBe(0);
    expect(client.stderr).toBe("");
    // The server prints each chunk as it arrives (one print per recv, as the tutorial).
    const [first, ...chunks] = server.stdout.split("\n");
    expect(first).toBe("Connection from : 127.0.0.1");
    const received = chunks.join("");
    expect(received.length).toBe(size);
    expect(received === new TextDecoder().decode(line.subarray(0, size))).toBe(true);
    // One "Got it!" per chunk the server received; all of them reach the client.
    const replies = client.stdout.match(/Got it!/g)?.length ?? 0;
    expect(replies).toBe(chunks.length - 1);
    console.error(`64 MiB line: ${seconds.toFixed(2)} s, ${chunks.length - 1} chunks`);
  }, 60_000);
});

describe("with the tutorial's Python on the other side", () => {
  const python = Bun.which("python3");
  const peers = join(import.meta.dir, "peers");

  test.skipIf(!python)(
    "our server answers a Python client",
    async () => {
      const server = await startServer();
      const peer = spawn([
        python!,
        join(peers, "client.py"),
        String(server.port),
        "hello",
        "wörld",
      ]);
      expect(await peer.exit()).toBe(0);
      expect(peer.stdout).toBe("Got it!\nGot it!\n");
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\nhello\nwörld\n");
    },
    T,
  );

  test.skipIf(!python)(
    "our client talks to a Python server",
    async () => {
      // The Python server prints its port first, then what the tutorial's prints.
      const peer = spawn([python!, join(peers, "server.py")]);
      // Python's start is slow on a loaded machine: the test's own limit, not 5 s.
      const port = (await peer.waitFor(/^(\d+)\n/, "stdout", T))[1]!;
      const client = await runClient(["--port", port], "hello\nwörld\n");
      expect(client.stdout).toBe(answered(2) + PROMPT);
      expect(client.code).toBe(0);
      expect(await peer.exit()).toBe(0);
      expect(peer.stdout).toBe(`${port}\nConnection from : 127.0.0.1\nhello\nwörld\n`);
    },
    T,
  );
});

// Under mutation testing (bun run mutate) the scripts' text is instrumented: these checks of
// their text rest (tests/README.md).
describe.skipIf(process.env.MUTATING === "1")("the scripts' text: shared helpers, shebang", () => {
  // Each top-level function, type and constant with the comment lines just above it.
  const declarations = (file: string) => {
    const lines = readFileSync(file, "utf8").split("\n");
    const found = new Map<string, string>();
    lines.forEach((line, i) => {
      const name = line.match(/^(?:export )?(?:async )?(?:function\*? |type |const )(\w+)/)?.[1];
      if (name === undefined) return;
      let start = i;
      while (start > 0 && /^(\/\/|\/\*\*)/.test(lines[start - 1]!)) start--;
      let end = i; // a one-line declaration, or one that runs to a closing line at column 0
      if (/[{([]$/.test(line)) end = lines.findIndex((l, j) => j > i && /^[})\]]/.test(l));
      found.set(name, lines.slice(start, end + 1).join("\n"));
    });
    return found;
  };
  // Each script's own, under the same name: what it does on the command line, on a signal,
  // and with the bytes and the close of its one kind of connection.
  const own = ["options", "events", "readOptions", "onData", "onClose", "load"];

  test("every helper both scripts define is the same text in both, comment included, and the class server's sendAll() and visible() are the same text too", () => {
    const server = declarations(SERVER);
    const client = declarations(CLIENT);
    const shared = [...server.keys()].filter((name) => client.has(name) && !own.includes(name));
    for (const name of ["sendAll", "flush", "visible", "Sending"]) expect(shared).toContain(name);
    for (const name of shared) expect([name, client.get(name)]).toEqual([name, server.get(name)]);
    // depth/ holds one copy of each for the class server (a module can be imported).
    const copies = {
      "escapes.ts": ["visible"],
      "sending.ts": ["Sending", "sendAll", "flush"],
    };
    for (const [file, names] of Object.entries(copies)) {
      const depth = declarations(join(ROOT, "depth", file));
      for (const name of names)
        expect([name, depth.get(name)?.replaceAll("export ", "")]).toEqual([
          name,
          server.get(name),
        ]);
    }
  });

  for (const file of [SERVER, CLIENT]) {
    const name = file.slice(ROOT.length + 1);
    test(`${name} starts with #!/usr/bin/env bun and has its run bit: ./${name} works`, () => {
      expect(readFileSync(file, "utf8").startsWith("#!/usr/bin/env bun\n")).toBe(true);
      if (POSIX) expect(statSync(file).mode & 0o111).not.toBe(0);
    });
  }
});

describe("each script runs alone", () => {
  test(
    "each script runs alone: copied by itself into an empty folder, as a student copies a file",
    async () => {
      // Two folders, one file each, far from this project (no node_modules, no tsconfig).
      const [serverDir, clientDir] = [
        mkdtempSync(join(tmpdir(), "sob-s-")),
        mkdtempSync(join(tmpdir(), "sob-c-")),
      ];
      try {
        copyFileSync(SERVER, join(serverDir, "server.ts"));
        copyFileSync(CLIENT, join(clientDir, "client.ts"));
        const server = spawn(["bun", "--no-install", "server.ts", "--port", "0"], {
          cwd: serverDir,
        });
        const port = (await server.waitFor(/Listening on port (\d+)/))[1]!;
        const client = spawn(["bun", "--no-install", "client.ts", "--port", port], {
          stdin: new Blob(["hello\n"]),
          cwd: clientDir,
        });
        expect(await client.exit()).toBe(0);
        expect(client.stdout).toBe(answered(1) + PROMPT);
        expect(await server.exit()).toBe(0);
        expect(server.stdout).toBe("Connection from : 127.0.0.1\nhello\n");
      } finally {
        rmSync(serverDir, { recursive: true, force: true });
        rmSync(clientDir, { recursive: true, force: true });
      }
    },
    T,
  );

  test(
    "server.ts --keep-open needs the folder depth/ beside it: without it one line says so (exit 2); with it the class is served",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "sob-k-"));
      try {
        copyFileSync(SERVER, join(dir, "server.ts"));
        const alone = spawn(["bun", "--no-install", "server.ts", "--port", "0", "--keep-open"], {
          cwd: dir,
        });
        expect(await alone.exit()).toBe(2);
        expect(oneLine(alone.stderr)).toBe("Alone, server.ts takes only --port N: copy depth/.");
        cpSync(join(ROOT, "depth"), join(dir, "depth"), { recursive: true });
        const server = spawn(["bun", "--no-install", "server.ts", "--port", "0", "--keep-open"], {
          cwd: dir,
        });
        const port = (await server.waitFor(/Listening on \S+:(\d+)/))[1]!;
        const client = await runClient(["--port", port], "hello class\n");
        expect(client.code).toBe(0);
        await server.waitFor(/: hello class\n/, "stdout");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    T,
  );
});

describe("--trace: see the callbacks", () => {
  test(
    "server.ts --trace says each call Bun makes, with the Python step it stands for; standard output is the tutorial's",
    async () => {
      const server = await startServer(["--trace"]);
      const client = await runClient(["--port", String(server.port)], "hello\nworld\n");
      expect(client.code).toBe(0);
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\nhello\nworld\n");
      const calls = server.stderr.match(/^\(trace\) Bun calls (\w+)\(.*$/gm) ?? [];
      const names = calls.map((line) => line.match(/Bun calls (\w+)/)![1]);
      expect(names[0]).toBe("open");
      expect(names.filter((name) => name === "data").length).toBeGreaterThanOrEqual(1);
      expect(names.at(-1)).toBe("close");
      expect(server.stderr).toMatch(
        /\(trace\) Bun calls open\(127\.0\.0\.1:\d+\)\n {8}in Python, s\.accept\(\) returns conn, addr/,
      );
      expect(server.stderr).toMatch(
        /\(trace\) Bun calls data\(127\.0\.0\.1:\d+, \d+ bytes\)\n {8}in Python, conn\.recv\(1024\) returns data/,
      );
    },
    T,
  );

  test(
    "server.ts --trace under a flood of messages tells at most 20 calls a second, says the rest are not shown, and answers every message",
    async () => {
      const server = await startServer(["--trace"]);
      const started = performance.now();
      const messages = 1000; // each one chunk: the client waits for each reply
      const input = Array.from({ length: messages }, (_, n) => `m${n}\n`).join("");
      const client = await runClient(["--port", String(server.port)], input);
      expect(client.code).toBe(0);
      expect(client.stdout).toBe(answered(messages) + PROMPT);
      expect(await server.exit()).toBe(0);
      const seconds = Math.ceil((performance.now() - started) / 1000);
      const told = (server.stderr.match(/^\(trace\) Bun calls /gm) ?? []).length;
      // Each second of the run (the first and last partly) tells 20 calls at most.
      expect(told).toBeLessThanOrEqual(20 * (seconds + 1));
      // Bun made a call for each message at least (open, data, close): the rest were said.
      if (told < messages + 2) expect(server.stderr).toContain("more this second: not shown");
    },
    T,
  );

  test(
    "client.ts --trace says each call Bun makes, with the Python step it stands for; standard output is the tutorial's",
    async () => {
      const server = await startServer();
      const client = await runClient(["--port", String(server.port), "--trace"], "hello\n");
      expect(client.code).toBe(0);
      expect(client.stdout).toBe(answered(1) + PROMPT);
      expect(client.stderr).toContain(
        "(trace) Bun calls data(7 bytes)\n        in Python, they wait for s.recv(1024)\n",
      );
      const lines = client.stderr.trim().split("\n");
      expect(lines.at(-2)).toMatch(/^\(trace\) Bun calls close\(/);
      // Each call on a row of its own, its Python on the next: both fit 80 columns.
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    },
    T,
  );

  test(
    "client.ts --trace under a server that sends byte after byte: 20 lines a second, then one that says the rest are not shown",
    async () => {
      using dripping = Bun.listen({
        hostname: "127.0.0.1",
        port: 0,
        socket: {
          data(socket) {
            socket.write("Got it!");
            for (let n = 1; n <= 60; n++) setTimeout(() => socket.write("."), n * 5);
            setTimeout(() => socket.end(), 400);
          },
        },
      });
      const client = startClient(["--port", String(dripping.port), "--trace"]);
      client.proc.stdin!.write("hi\n"); // and no more: the student waits at the prompt
      expect(await client.exit()).toBe(1); // the server hangs up after its drip
      const told = [...client.stderr.matchAll(/^\(trace\) Bun calls data\((\d+) bytes\)/gm)];
      const bytes = told.reduce((sum, [, n]) => sum + Number(n), 0);
      // A loaded machine may join the drops into fewer chunks (fewer calls): only calls
      // left untold must be said so ("Got it!" and 60 dots are 67 bytes).
      if (bytes < 67) expect(client.stderr).toContain("(trace) more this second: not shown");
      expect(told.length).toBeLessThanOrEqual(40); // 20 in each second the drip touched
    },
    T,
  );

  test(
    "in a class, a flood of calls is a trace, not a flood: 20 lines a second, the rest counted",
    async () => {
      const server = await startServer(["--keep-open", "--trace"]);
      const students = await Promise.all(Array.from({ length: 60 }, () => rawConnect(server.port)));
      for (const student of students) student.socket.write("hi");
      await Promise.all(students.map((student) => student.waitFor(/Got it!/)));
      const counted = () => reported(server.stderr, /^\(trace\) .*$/, "trace");
      await server.waitUntil(() => counted() >= 120, "120 calls traced"); // 60 opens, 60 datas
      const shown = server.stderr.match(/^\(trace\) /gm)?.length ?? 0;
      expect(shown).toBeLessThan(120); // the rest were counted, not printed
      expect(server.stderr).toMatch(
        /\(and \d+ more lines in that second, not printed: \d+ of trace\)/,
      );
    },
    T,
  );
});
