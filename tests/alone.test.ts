// Each lesson script copied alone into an empty folder, as a student copies a file: it
// keeps the lesson's promises with no depth/ beside it (README: "What each person needs").

import { afterAll, afterEach, describe, expect, test } from "bun:test";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  answered,
  CLIENT,
  cleanUp,
  copiedAlone,
  freePort,
  hasStackTrace,
  noOffline,
  OFFLINE,
  oneLine,
  POSIX,
  PROMPT,
  ROOT,
  rawConnect,
  SERVER,
  spawn,
  spawnShell,
  T,
} from "./harness";

afterEach(cleanUp);

// Two folders, one file each, far from this project (no node_modules, no depth/).
const serverCopy = copiedAlone(SERVER);
const clientCopy = copiedAlone(CLIENT);
afterAll(() => {
  serverCopy.remove();
  clientCopy.remove();
});

/** `bun server.ts ARGS` from its own folder; resolves once it listens, with its port. */
async function aloneServer(args: string[] = ["--port", "0"]) {
  const running = serverCopy.run(args);
  const port = Number((await running.waitFor(/Listening on port (\d+)/))[1]);
  return Object.assign(running, { port });
}
/** `bun client.ts ARGS` from its own folder, `input` on standard input. */
const aloneClient = (args: string[], input: string | Uint8Array = "") =>
  clientCopy.run(args, input);

describe("each lesson script alone keeps the lesson's promises", () => {
  test(
    "standard output is the tutorial's, byte for byte: split characters, CRLF, empty lines, a last line without a newline",
    async () => {
      const server = await aloneServer();
      const input = "hello\r\n\n\nwörld 👨‍👩‍👧\nlast";
      const client = aloneClient(["--port", String(server.port)], input);
      expect(await client.exit()).toBe(0);
      // Each empty line is only prompted again: it sends nothing, so gets no reply.
      expect(client.stdout).toBe(answered(1) + PROMPT + PROMPT + answered(2) + PROMPT);
      expect(client.stderr).toBe("");
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\nhello\nwörld 👨‍👩‍👧\nlast\n");
    },
    T,
  );

  test(
    "nothing from the other side controls the terminal: escapes, bidi, tags and invisible characters print as escapes, emoji whole",
    async () => {
      const server = await aloneServer();
      const peer = await rawConnect(server.port);
      peer.socket.write("\x1b[2J\u202eevil\u200b\u{e0041}🏴󠁧󠁢󠁳󠁣󠁴󠁿\x07");
      await peer.waitFor(/Got it!/);
      peer.socket.end();
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe(
        "Connection from : 127.0.0.1\n\\u{1b}[2J\\u{202e}evil\\u{200b}\\u{e0041}🏴󠁧󠁢󠁳󠁣󠁴󠁿\\u{7}\n",
      );
    },
    T,
  );

  test(
    "a second client is told the server is busy, and shows it as a notice, never as a reply; exit 1",
    async () => {
      const server = await aloneServer();
      const first = await rawConnect(server.port);
      await server.waitFor(/Connection from/, "stdout");
      const second = aloneClient(["--port", String(server.port)], "me too\n");
      expect(await second.exit()).toBe(1);
      expect(second.stdout).toBe(PROMPT);
      // Closed, or reset when "me too" reached the server after it had closed: the words
      // came first either way, and they are shown as what they are.
      expect(second.stderr).toMatch(
        /^The server (closed|reset) the connection; its last words:\nThe server is busy with another client: try again later\.\n$/,
      );
      first.socket.end();
      expect(await server.exit()).toBe(0);
    },
    T,
  );

  test(
    "a storm of other clients while one is served: the first turned away is named, the others only counted, and the count is said when the lesson ends",
    async () => {
      const server = await aloneServer();
      const first = await rawConnect(server.port);
      await server.waitFor(/Connection from/, "stdout");
      const others = 200;
      for (let n = 0; n < others; n++) {
        const other = await rawConnect(server.port);
        await other.waitFor(/busy/); // told, then closed in order
        other.socket.end();
      }
      first.socket.end();
      expect(await server.exit()).toBe(0);
      const lines = server.stderr.trim().split("\n");
      expect(lines).toEqual([
        `Listening on port ${server.port}`,
        "Turned away 127.0.0.1: busy with another client.",
        `(${others - 1} more turned away.)`,
      ]);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\n");
    },
    T,
  );

  test.skipIf(process.platform !== "linux")(
    "standard output that cannot be written (a full disk: /dev/full) is one line on standard error, and exit 1: the server's and the client's",
    async () => {
      const server = spawnShell(
        'cd "$1" && exec bun --no-install server.ts --port 0 > /dev/full',
        serverCopy.dir,
      );
      const port = Number((await server.waitFor(/Listening on port (\d+)/))[1]);
      const client = spawnShell(
        'cd "$1" && echo hi | exec bun --no-install client.ts --port "$2" > /dev/full',
        clientCopy.dir,
        String(port),
      );
      expect(await client.exit()).toBe(1); // the prompt could not be written
      expect(client.stderr).toBe("Output failed (ENOSPC).\n");
      expect(await server.exit()).toBe(1); // "Connection from" could not be written
      expect(server.stderr).toMatch(/^Output failed \(ENOSPC\)\.$/m);
      expect(hasStackTrace(server.stderr)).toBe(false);
    },
    T,
  );

  test(
    "a failed connect is what happened and what to check, each within 80 columns, and claims no cause it cannot know; exit 1",
    async () => {
      const client = aloneClient(["--port", String(freePort())], "hi\n");
      expect(await client.exit()).toBe(1);
      const line = client.stderr.trim();
      // Bun's code, and what to check: alone, no claim of a cause (Bun says "refused" for
      // "no route" too; only depth/connect.ts tells them apart).
      expect(line).toMatch(
        /^Refused, or unreachable: 127\.0\.0\.1:\d+\.\nCheck the address, --port, the firewall, the server\.$/,
      );
      expect(line).not.toMatch(/no route|nobody|was refused/i);
    },
    T,
  );

  test.skipIf(noOffline !== "")(
    "a failed connect to the longest address and port there is (in a network of its own, with no route out) stays within 80 columns; exit 1",
    async () => {
      const longest = ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "--port", "65535"];
      const cmd = [...OFFLINE, "bun", "--no-install", "client.ts", ...longest];
      const client = spawn(cmd, { cwd: clientCopy.dir, stdin: new Blob(["hi\n"]) });
      expect(await client.exit()).toBe(1);
      const rows = client.stderr.trimEnd().split("\n");
      expect(rows[0]).toMatch(/^(Refused, or unreachable|No connection \(E[A-Z]+\)): ffff:/);
      expect(rows[0]).toEndWith(":ffff:65535.");
      expect(rows.length).toBe(2);
      for (const row of rows) expect(row.length).toBeLessThanOrEqual(80);
    },
    T,
  );

  test.skipIf(!POSIX)(
    "standard input of /dev/zero (one endless line): one line, memory bounded; exit 1",
    async () => {
      const server = await aloneServer();
      const client = spawn(
        [
          "sh",
          "-c",
          'exec bun --no-install client.ts --port "$0" < /dev/zero',
          String(server.port),
        ],
        { cwd: clientCopy.dir },
      );
      expect(await client.exit()).toBe(1);
      expect(oneLine(client.stderr)).toBe("A line of input is over 64 MiB: send shorter lines.");
    },
    T,
  );

  test(
    "what each script takes alone, and a mistake: one line that says to copy depth/, exit 2, no stack trace",
    async () => {
      for (const [dir, script, args] of [
        [serverCopy.dir, "server.ts", ["--keep-open"]],
        [serverCopy.dir, "server.ts", ["--port", "abc"]],
        [clientCopy.dir, "client.ts", ["--trace"]],
        [clientCopy.dir, "client.ts", ["1337"]], // a bare number is no host: it is 0.0.5.57
        // A port out of range, or none after --port: never a raw RangeError, nor port 1337.
        [serverCopy.dir, "server.ts", ["--port"]],
        [serverCopy.dir, "server.ts", ["--port", "99999"]],
        [clientCopy.dir, "client.ts", ["--port"]],
        [clientCopy.dir, "client.ts", ["--port", "99999"]],
        [clientCopy.dir, "client.ts", ["--port", "0"]],
        [clientCopy.dir, "client.ts", ["localhost", "--port"]],
      ] as const) {
        const run = spawn(["bun", "--no-install", script, ...args], { cwd: dir });
        expect(await run.exit()).toBe(2);
        expect(oneLine(run.stderr)).toMatch(/^Alone, (server|client)\.ts takes .*depth\//);
        expect(hasStackTrace(run.stderr)).toBe(false);
      }
    },
    T,
  );

  test(
    "a port in use is one line; exit 1",
    async () => {
      const server = await aloneServer();
      const second = spawn(["bun", "--no-install", "server.ts", "--port", String(server.port)], {
        cwd: serverCopy.dir,
      });
      expect(await second.exit()).toBe(1);
      expect(hasStackTrace(second.stderr)).toBe(false);
      expect(oneLine(second.stderr)).toBe(
        `Port ${server.port} cannot be used (EADDRINUSE): try another --port.`,
      );
    },
    T,
  );

  test(
    "a host may come first, as in the tutorial's ('127.0.0.1', 1337): the client copied alone takes it",
    async () => {
      const server = await aloneServer();
      const client = aloneClient(["127.0.0.1", "--port", String(server.port)], "hi\n");
      expect(await client.exit()).toBe(0);
      expect(client.stdout).toBe(answered(1) + PROMPT);
      expect(await server.exit()).toBe(0);
    },
    T,
  );

  test.skipIf(noOffline !== "")(
    "with no arguments at all, both meet on the tutorial's port, 1337, on this computer (in a network of their own, where 1337 is free)",
    async () => {
      const shell = "ip link set lo up && exec bun --no-install server.ts";
      const server = spawn([...OFFLINE, "sh", "-c", shell], { cwd: serverCopy.dir });
      await server.waitFor(/^Listening on port 1337$/m);
      const itsNetwork = `--net=/proc/${server.proc.pid}/ns/net`;
      const client = spawn(["nsenter", itsNetwork, "bun", "--no-install", "client.ts"], {
        cwd: clientCopy.dir,
        stdin: new Blob(["hello\n"]),
      });
      expect(await client.exit()).toBe(0);
      expect(client.stdout).toBe(answered(1) + PROMPT);
      expect(await server.exit()).toBe(0);
      expect(server.stdout).toBe("Connection from : 127.0.0.1\nhello\n");
    },
    T,
  );
});

describe("each lesson script alone, its output closed early", () => {
  test.skipIf(!POSIX)(
    "the client's standard output closed early (| head -c 30): no EPIPE, no stack trace; exit 0, and every message still sent",
    async () => {
      const server = await aloneServer();
      const shell = spawnShell(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's, not a template
        'cd "$1" && seq 1 2000 | bun --no-install client.ts --port "$2" | head -c 30; echo "client exit: ${PIPESTATUS[1]}" >&2',
        clientCopy.dir,
        String(server.port),
      );
      expect(await shell.exit()).toBe(0);
      expect(shell.stdout).toBe(`${PROMPT}Got it!\n${PROMPT}`.slice(0, 30));
      expect(shell.stderr).toBe("client exit: 0\n");
      expect(await server.exit()).toBe(0);
      expect(server.stdout.split("\n").length).toBe(2002);
    },
    T,
  );
});

describe("a folder depth/ that is broken: missing a module, empty, throwing, garbage", () => {
  // Each way a module of depth/ can be broken, made for real in a copy of the project: the
  // lesson's own commands run as alone after one line, a feature that needs depth/ is one
  // usage line (exit 2), and nothing of Bun's own report, or of the file, reaches the screen.
  const SECRET = "s3cr3t-bytes"; // in the broken file: must never be shown
  const ways: Record<string, string | undefined> = {
    missing: undefined,
    empty: "",
    throwing: `export const x = 1;\nthrow new Error("${SECRET}");\n`,
    garbage: `\u0000\u00ff{{{ ${SECRET} \u001b[2J export const`,
  };
  const BROKEN = "depth/ is here, but incomplete or broken: copy it again.";
  const folders: string[] = [];
  afterAll(() => {
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });
  /** A copy of the lesson pair and depth/, with `file` of depth/ broken in `way`. */
  const brokenCopy = (file: string, way: string) => {
    const dir = mkdtempSync(join(tmpdir(), "sob-broken-"));
    folders.push(dir);
    mkdirSync(join(dir, "depth"));
    for (const name of ["server.ts", "client.ts"]) copyFileSync(join(ROOT, name), join(dir, name));
    const depth = join(ROOT, "depth");
    for (const name of readdirSync(depth))
      copyFileSync(join(depth, name), join(dir, "depth", name));
    const content = ways[way];
    if (content === undefined) rmSync(join(dir, "depth", file));
    else writeFileSync(join(dir, "depth", file), content);
    return dir;
  };

  // Each way once, each on a module of its own: what both scripts need (options.ts, and
  // names.ts under it), and what each reaches (server-extras.ts, client-extras.ts). One
  // after another: each starts five processes.
  const cases = [
    ["options.ts", "missing"],
    ["server-extras.ts", "empty"],
    ["client-extras.ts", "throwing"],
    ["names.ts", "garbage"],
  ];
  for (const [file, way] of cases as [string, string][])
    test(
      `depth/${file} ${way}: the lesson runs as alone after one line; a feature is a usage line, exit 2`,
      async () => {
        const dir = brokenCopy(file, way);
        const run = (script: string, args: string[], stdin?: Blob) =>
          spawn(["bun", "--no-install", script, ...args], { cwd: dir, stdin });
        // What each script loads: server-extras.ts or client-extras.ts, and options.ts
        // (which needs names.ts) through it.
        const serverBroken = file !== "client-extras.ts";
        const clientBroken = file !== "server-extras.ts";
        const server = run("server.ts", ["--port", "0"]);
        const port = (await server.waitFor(/Listening on (?:port |\S+:)(\d+)/))[1]!;
        const client = run("client.ts", ["--port", port], new Blob(["hi\n"]));
        expect(await client.exit()).toBe(0);
        expect(client.stdout).toBe(answered(1) + PROMPT);
        expect(await server.exit()).toBe(0);
        expect(server.stdout).toBe("Connection from : 127.0.0.1\nhi\n");
        if (serverBroken) expect(server.stderr).toBe(`${BROKEN}\nListening on port ${port}\n`);
        else expect(server.stderr).not.toContain(BROKEN);
        expect(client.stderr).toBe(clientBroken ? `${BROKEN}\n` : "");
        const features: [string, string[]][] = [];
        if (serverBroken) features.push(["server.ts", ["--keep-open", "--port", "0"]]);
        if (serverBroken) features.push(["server.ts", ["--trace", "--port", "0"]]);
        if (clientBroken) features.push(["client.ts", ["--trace", "--port", port]]);
        for (const [script, args] of features) {
          const needs = run(script, args);
          expect(await needs.exit()).toBe(2);
          expect(oneLine(needs.stderr)).toMatch(
            /^Alone, (server|client)\.ts takes .*: copy depth\/\.$/,
          );
          expect(needs.stdout).toBe("");
        }
        for (const output of [server.stderr, client.stderr]) {
          expect(output).not.toContain(SECRET);
          expect(hasStackTrace(output)).toBe(false);
          expect(output).not.toMatch(/Bun v\d|error:/);
        }
      },
      T,
    );
});

describe("a folder for each person (bun run pack)", () => {
  test(
    "each role's folder holds what that person runs: the second computer's client, an exercise on one computer, lesson 3's chat client with the pair work's start, and the teacher's chat server each work from their folder alone",
    async () => {
      const into = mkdtempSync(join(tmpdir(), "sob-roles-"));
      try {
        const pack = spawn(["bun", join(ROOT, "scripts", "pack.ts"), into]);
        expect(await pack.exit()).toBe(0);
        const server = await aloneServer();
        const second = spawn(["bun", "--no-install", "client.ts", "--port", String(server.port)], {
          cwd: join(into, "student-second-computer"),
          stdin: new Blob(["from the second computer\n"]),
        });
        expect(await second.exit()).toBe(0);
        expect(second.stdout).toBe(answered(1) + PROMPT);
        // There, depth/ names a failure truly: nobody listens, not "no connection".
        const refused = spawn(["bun", "--no-install", "client.ts", "--port", String(freePort())], {
          cwd: join(into, "student-second-computer"),
          stdin: new Blob(["hi\n"]),
        });
        expect(await refused.exit()).toBe(1);
        expect(oneLine(refused.stderr)).toMatch(/^Connection refused by 127\.0\.0\.1:\d+: start/);
        // What the walkthrough runs, and the handout, where the README says they are.
        expect(existsSync(join(into, "teacher", "scripts", "capture.py"))).toBe(true);
        expect(existsSync(join(into, "student-lesson-3", "HANDOUT.md"))).toBe(true);
        const chat = spawn(["bun", "--no-install", "exercises/chat-server.ts", "--port", "0"], {
          cwd: join(into, "teacher"),
        });
        const port = (await chat.waitFor(/Chat on port (\d+)/))[1]!;
        const student = spawn(["bun", "--no-install", "chat-client.ts", "--port", port], {
          cwd: join(into, "student-lesson-3"),
          stdin: "pipe",
        });
        await student.waitFor(/Type your name/, "stdout");
        student.proc.stdin!.end();
        expect(await student.exit()).toBe(0);
        chat.proc.kill();
        // The pair work: chat-start.ts and chat-client.ts, side by side in one folder.
        const lesson3 = join(into, "student-lesson-3");
        const start = spawn(["bun", "--no-install", "chat-start.ts", "--port", "0"], {
          cwd: lesson3,
        });
        const pairPort = (await start.waitFor(/Listening on port (\d+);/))[1]!;
        const partner = spawn(["bun", "--no-install", "chat-client.ts", "--port", pairPort], {
          cwd: lesson3,
          stdin: "pipe",
        });
        partner.proc.stdin!.write("hello\n");
        await partner.waitFor(/Got it!/, "stdout");
        partner.proc.stdin!.end();
        expect(await partner.exit()).toBe(0);
        start.proc.kill();
        expect(existsSync(join(lesson3, "worksheet-3.md"))).toBe(true);
        // An exercise of lesson 1 on a student's one computer.
        const exercise = spawn(["bun", "--no-install", "exercises/three-writes.ts"], {
          cwd: join(into, "student-one-computer"),
        });
        expect(await exercise.exit()).toBe(0);
        expect(exercise.stdout).toContain("The client wrote three times");
      } finally {
        rmSync(into, { recursive: true, force: true });
      }
    },
    T,
  );
});
