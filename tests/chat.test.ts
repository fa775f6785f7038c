// Lesson 3: the chat in exercises/, with three people (and a fourth who never reads).

import { afterEach, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cleanUp,
  freePort,
  ROOT,
  rawConnect,
  runEnvironment,
  spawn,
  spawnScript,
  spawnShell,
  startServer,
} from "./harness";

afterEach(cleanUp);

const T = 20_000;
const CHAT_SERVER = join(ROOT, "exercises", "chat-server.ts");
const CHAT_CLIENT = join(ROOT, "exercises", "chat-client.ts");
const NEVER_READS = join(ROOT, "exercises", "never-reads.ts");
const encode = (text: string) => new TextEncoder().encode(text);

/** Starts the chat server on a free port. */
async function startChat() {
  const server = spawnScript(CHAT_SERVER, ["--port", "0"]);
  const port = Number((await server.waitFor(/Chat on port (\d+)/))[1]);
  return { server, port };
}

/** A person in the chat (a raw socket), who has given a name and been greeted. */
async function join_(port: number, name: string) {
  const person = await rawConnect(port);
  await person.waitFor(/Type your name/);
  await person.sendAll(encode(`${name}\n`));
  await person.waitFor(new RegExp(`Hello, ${name}\\.`));
  return person;
}

describe("lesson 3: the chat", () => {
  test(
    "three people: each line goes to the two others under its sender's name, never back; joins and leaves are told; the teacher's screen shows a long line's first two rows, each named, and a count",
    async () => {
      const { server, port } = await startChat();
      const ada = await join_(port, "Ada");
      const bob = await join_(port, "Bob");
      await ada.waitFor(/\* Bob joined\n/);
      const cy = await join_(port, "Cy");
      await bob.waitFor(/\* Cy joined\n/);
      await ada.sendAll(encode("hello, all\n"));
      await bob.waitFor(/Ada: hello, all\n/);
      await cy.waitFor(/Ada: hello, all\n/);
      await cy.sendAll(encode("hi Ada\n"));
      await ada.waitFor(/Cy: hi Ada\n/);
      await bob.waitFor(/Cy: hi Ada\n/);
      expect(ada.received()).not.toContain("Ada: hello");
      cy.socket.end();
      await ada.waitFor(/\* Cy left\n/);
      await bob.waitFor(/\* Cy left\n/);
      // The teacher's screen shows the start of a long line: two rows, each named (an é
      // counted 2 columns, the widest a terminal may draw it: 37 in 75), and a count.
      await bob.sendAll(encode(`${"é".repeat(300)}\n`));
      await ada.waitFor(/Bob: é{300}\n/);
      await server.waitFor(/more characters\)\n/, "stdout"); // its own lines come in turn
      const row = `Bob: ${"é".repeat(37)}`;
      expect(server.stdout).toBe(
        `Ada: hello, all\nCy: hi Ada\n${row}\n${row}\nBob: ... (226 more characters)\n`,
      );
    },
    T,
  );

  test(
    "a line is whole however the reads fall, and three lines in one write are three messages",
    async () => {
      const { port } = await startChat();
      const ada = await join_(port, "Ada");
      const bob = await join_(port, "Bob");
      await bob.sendAll(encode("hel")); // half a line: it waits for the rest
      await bob.sendAll(encode("lo\none\ntwo\n"));
      await ada.waitFor(/Bob: two\n/);
      expect(ada.received()).toContain("Bob: hello\nBob: one\nBob: two\n");
    },
    T,
  );

  test(
    "escape codes and invisible characters in names and messages reach nobody's terminal",
    async () => {
      const { port } = await startChat();
      const ada = await join_(port, "Ada");
      const eve = await rawConnect(port);
      await eve.waitFor(/Type your name/);
      await eve.sendAll(encode("\x1b[31mEve\u202e\n\x1b[2Jgone\u3164?\n"));
      await ada.waitFor(/gone\?\?\n/);
      // A name is letters, digits, spaces, dots and dashes: nothing of the escape is left.
      expect(ada.received()).toContain("* 31mEve joined\n31mEve: ?[2Jgone??\n");
      expect(ada.received()).not.toContain("\x1b");
    },
    T,
  );

  test(
    "a line longer than 4 KiB ends that connection; the others are told and go on",
    async () => {
      const { port } = await startChat();
      const ada = await join_(port, "Ada");
      const max = await join_(port, "Max");
      await max.sendAll(encode("m".repeat(5000))); // no newline yet: already too long
      await max.waitClosed();
      await ada.waitFor(/\* Max sent a line longer than 4 KiB, and was disconnected\n/);
      expect(ada.received()).not.toContain("mmmm");
    },
    T,
  );

  test(
    "the never-reads demo (bun exercises/never-reads.ts): in a chat of its own, one who never reads is disconnected once 64 KiB wait for it; the class's three students, one of them reading slowly, get nothing of it and stay",
    async () => {
      const { server, port } = await startChat();
      const ada = await join_(port, "Ada"); // reads at once
      const ben = await join_(port, "Ben"); // reads nothing while the demo runs: a slow terminal
      ben.socket.pause();
      const cleo = await join_(port, "Cleo");
      // Sleeper never reads; ten talkers fill the systems' buffers toward it, then 64 KiB.
      const demo = spawnScript(NEVER_READS, []);
      expect(await demo.exit()).toBe(0);
      expect(demo.stdout).toEndWith(
        "The chat said: Sleeper was too slow to read, and was disconnected.\n",
      );
      // The class's chat heard nothing of it: no flood, no Sleeper, nobody cut off.
      ben.socket.resume();
      for (const student of [ada, ben, cleo]) {
        expect(student.received()).not.toMatch(/Sleeper|Talker|la la/);
        expect(student.closed()).toBe(false);
      }
      expect(server.stdout).not.toMatch(/Sleeper|Talker/);
      expect(server.stderr).not.toContain("disconnected");
      const bob = await join_(port, "Bob");
      await ada.waitFor(/\* Bob joined\n/); // the chat goes on
      await bob.sendAll(encode("still here\n"));
      await ada.waitFor(/Bob: still here\n/);
    },
    T,
  );

  test(
    "a flooder pays, not its readers: 10 of its lines a second go out, the rest wait in turn, none lost; the others are heard meanwhile",
    async () => {
      const { server, port } = await startChat();
      const ada = await join_(port, "Ada");
      const bob = await join_(port, "Bob");
      const cy = await join_(port, "Cy");
      await ada.waitFor(/\* Cy joined\n/);
      const flood = Array.from({ length: 35 }, (_, n) => `flood ${n}\n`).join("");
      await ada.sendAll(encode(`${flood}end\n`)); // 36 lines in one write
      await cy.sendAll(encode("hello\n"));
      const times: number[] = []; // when Bob got each of Ada's lines
      await bob.waitUntil(
        () => {
          const seen = bob.received().match(/^Ada: /gm)?.length ?? 0;
          while (times.length < seen) times.push(Date.now());
          return /^Ada: end$/m.test(bob.received());
        },
        "Ada's last line",
        10_000,
      );
      const lines = [...bob.received().match(/^Ada: .*$/gm)!];
      expect(lines).toEqual([...flood.trim().split("\n"), "end"].map((line) => `Ada: ${line}`));
      // In any second, at most the lines of two of the server's seconds: 20.
      const inASecond = times.map((t) => times.filter((u) => u >= t && u < t + 1000).length);
      expect(Math.max(...inASecond)).toBeLessThanOrEqual(20);
      expect(bob.received().indexOf("Cy: hello")).toBeLessThan(bob.received().indexOf("Ada: end"));
      expect(server.stderr).not.toContain("too slow");
    },
    T,
  );

  test(
    "chat-client.ts sends what is typed and prints what the others say",
    async () => {
      const { port } = await startChat();
      const ada = await join_(port, "Ada");
      const bea = spawn(["bun", CHAT_CLIENT, "--port", String(port)], { stdin: "pipe" });
      bea.proc.stdin!.write("Bea\n");
      await bea.waitFor(/Hello, Bea\./, "stdout");
      bea.proc.stdin!.write("hello from the client\n");
      await ada.waitFor(/Bea: hello from the client\n/);
      await ada.sendAll(encode("welcome, \x1b[2JBea\n"));
      await bea.waitFor(/Ada: welcome, \?\[2JBea\n/, "stdout");
      bea.proc.stdin!.end(); // Ctrl-D
      expect(await bea.exit()).toBe(0);
      expect(bea.stdout).toStartWith("Welcome! Type your name, then Enter.\nHello, Bea.");
    },
    T,
  );
});

describe("lesson 3: what a class does to the chat", () => {
  test(
    "a name already taken is told apart: the second Ada is Ada (2), so nobody speaks as another",
    async () => {
      const { port } = await startChat();
      const ada = await join_(port, "Ada");
      const other = await rawConnect(port);
      await other.waitFor(/Type your name/);
      await other.sendAll(encode("Ada\n"));
      await other.waitFor(/Hello, Ada \(2\)\./);
      await ada.waitFor(/\* Ada \(2\) joined\n/);
      await other.sendAll(encode("I am the teacher\n"));
      await ada.waitFor(/^Ada \(2\): I am the teacher$/m);
    },
    T,
  );

  test(
    "4 KiB is counted in bytes too: 2,000 characters of 3 bytes each end that connection",
    async () => {
      const { port } = await startChat();
      const ada = await join_(port, "Ada");
      const han = await join_(port, "Han");
      await han.sendAll(encode(`${"漢".repeat(2000)}\n`)); // 2,000 characters, 6,000 bytes
      await ada.waitFor(/\* Han sent a line longer than 4 KiB, and was disconnected\n/);
      expect(ada.received()).not.toContain("漢漢");
    },
    T,
  );

  test(
    "the teacher's terminal stopped (a pipe nobody reads): the chat goes on for everyone",
    async () => {
      const port = String(freePort());
      // A pipeline: its own process group, which the test's end stops whole.
      const chat = `bun "$1" --port "$2" | (sleep 30; cat)`;
      const server = spawnShell(chat, CHAT_SERVER, port);
      await server.waitFor(/Chat on port/);
      // Twenty people, 30 lines of 900 characters each: the teacher's screen is shown the
      // start of each (165 bytes), 100 kB in all, more than a pipe holds (64 kB).
      const bob = await join_(Number(port), "Bob");
      const people = await Promise.all(
        Array.from({ length: 20 }, (_, n) => join_(Number(port), `P${n}`)),
      );
      const line = `${"x".repeat(900)}\n`;
      const lines = Array.from({ length: 30 }, (_, n) => `${n} ${line}`).join("");
      await Promise.all(people.map((person) => person.sendAll(encode(lines))));
      for (let n = 0; n < 20; n++) await bob.waitFor(new RegExp(`^P${n}: 29 x+$`, "m"), 10_000);
    },
    T,
  );

  test(
    "chat-client.ts runs alone, copied into an empty folder; a long line comes in rows that each start with its sender's name, so padding cannot make a row look like another's",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "sob-chat-"));
      copyFileSync(CHAT_CLIENT, join(dir, "chat-client.ts"));
      try {
        const { port } = await startChat();
        const ada = await join_(port, "Ada");
        const bea = spawn(["bun", "--no-install", "chat-client.ts", "--port", String(port)], {
          cwd: dir,
          stdin: "pipe",
        });
        bea.proc.stdin!.write("Bea\n");
        await bea.waitFor(/Hello, Bea\./, "stdout");
        await ada.sendAll(encode(`${" ".repeat(60)}Bob: I quit ${"z".repeat(100)}\n`));
        await bea.waitFor(/z\n/, "stdout");
        const rows = bea.stdout
          .split("\n")
          .filter((row) => row.includes("z") || row.includes("Bob"));
        expect(rows.length).toBeGreaterThanOrEqual(2); // 180 characters, 75 to a row
        for (const row of rows) expect(row).toStartWith("Ada: ");
        bea.proc.stdin!.end();
        expect(await bea.exit()).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    T,
  );

  test(
    "chat-client.ts shows a server's last words without a newline: server.ts busy says so",
    async () => {
      const server = await startServer();
      await rawConnect(server.port); // the one client server.ts serves
      await server.waitFor(/Connection from/, "stdout");
      const late = spawn(["bun", CHAT_CLIENT, "--port", String(server.port)], { stdin: "pipe" });
      expect(await late.exit()).toBe(1);
      expect(late.stdout).toBe("The server is busy with another client: try again later.\n");
      expect(late.stderr).toBe("The chat server closed the connection.\n");
    },
    T,
  );

  test(
    "chat-client.ts against a server that never sends a newline: rows of 4 KiB, memory bounded",
    async () => {
      const block = new Uint8Array(1 << 20).fill(0x78); // 1 MiB of x, no newline
      let sent = 0;
      const push = (s: { write(b: Uint8Array): number; end(): void }) => {
        while (sent < 200 * 2 ** 20) {
          const n = s.write(block); // what the client's side takes now
          if (n <= 0) return; // full: drain() comes back
          sent += n;
        }
        s.end();
      };
      using endless = Bun.listen({
        hostname: "127.0.0.1",
        port: 0,
        socket: { open: push, drain: push, data() {} },
      });
      const client = spawn(["bun", CHAT_CLIENT, "--port", String(endless.port)], {
        stdin: "pipe",
        stdout: "ignore",
      });
      const peak = client.watchMemory();
      await client.exit();
      expect(sent).toBeGreaterThanOrEqual(200 * 2 ** 20);
      expect(peak()).toBeLessThan(150 * 2 ** 20);
    },
    T,
  );

  const prlimit = process.platform === "linux" ? Bun.which("prlimit") : null;
  test.skipIf(!prlimit)(
    "out of file descriptors: a newcomer is told the chat is full, and the server does not spin",
    async () => {
      const command = [prlimit!, "--nofile=30:30", "bun", CHAT_SERVER, "--port", "0"];
      const server = spawn(command);
      const port = Number((await server.waitFor(/Chat on port (\d+)/))[1]);
      const people = await Promise.all(Array.from({ length: 40 }, () => rawConnect(port)));
      await Promise.all(
        people.map((p) => p.waitUntil(() => /Welcome|full/.test(p.received()), "a greeting")),
      );
      const full = people.filter((p) => p.received().includes("The chat is full"));
      expect(full.length).toBeGreaterThan(0);
      await server.waitFor(/No file descriptor left for a newcomer: raise ulimit -n\./);
      // A second later it has used well under a second of processor time: it waits, idle.
      const cpu = async () => {
        const fields = (await Bun.file(`/proc/${server.proc.pid}/stat`).text()).split(" ");
        return Number(fields[13]) + Number(fields[14]); // user and system time, in ticks
      };
      const before = await cpu();
      await Bun.sleep(1000);
      expect((await cpu()) - before).toBeLessThan(50); // 100 ticks a second would be spinning
      server.proc.kill();
    },
    T,
  );
});

describe("lesson 3: the pair work (exercises/chat-start.ts, then chat-steps.ts)", () => {
  /** A pair-work script copied alone into an empty folder, started on a free port. */
  async function startAlone(name: string) {
    const dir = mkdtempSync(join(tmpdir(), "sob-pair-"));
    copyFileSync(join(ROOT, "exercises", name), join(dir, name));
    const server = spawn(["bun", "--no-install", name, "--port", "0"], { cwd: dir });
    const port = Number((await server.waitFor(/Listening on port (\d+);/))[1]);
    return { server, port, remove: () => rmSync(dir, { recursive: true, force: true }) };
  }

  test(
    "chat-start.ts runs alone: everyone connected at once is answered, none turned away; the steps are marked where they go",
    async () => {
      const { server, port, remove } = await startAlone("chat-start.ts");
      try {
        const [ada, bob] = await Promise.all([rawConnect(port), rawConnect(port)]);
        await ada.sendAll(encode("hello\n"));
        await bob.sendAll(encode("hi\n"));
        await ada.waitFor(/^Got it!\n$/);
        await bob.waitFor(/^Got it!\n$/);
        await server.waitFor(/^hi\n/m, "stdout");
        expect(server.stdout.match(/^Connection from : 127\.0\.0\.1$/gm)).toHaveLength(2);
        const text = readFileSync(join(ROOT, "exercises", "chat-start.ts"), "utf8");
        for (const step of [1, 2, 3, 4]) expect(text).toContain(`// Step ${step} (`);
        // It opens with what students edit: nothing harder above the first step.
        const above = text.slice(0, text.indexOf("// Step 1 ("));
        expect(above).not.toMatch(/\/[gimsuyv]*v\b|=>|\(\(\)|\\p\{/);
      } finally {
        remove();
      }
    },
    T,
  );

  test("chat-steps.ts is chat-start.ts with the steps done: what both hold is written the same in both", () => {
    const read = (name: string) => readFileSync(join(ROOT, "exercises", name), "utf8");
    // What both need besides, below the lines students edit: the same, but for the name.
    const shared = (text: string) =>
      text
        .replaceAll(/chat-st(art|eps)\.ts/g, "NAME")
        .match(/\/\/ What the server needs besides[\s\S]*$/)?.[0];
    expect(shared(read("chat-steps.ts"))).toBeDefined();
    expect(shared(read("chat-steps.ts"))).toBe(shared(read("chat-start.ts")));
  });

  test(
    "chat-steps.ts runs alone: each whole line goes to the others under its sender's name, never back, however the reads fall",
    async () => {
      const { server, port, remove } = await startAlone("chat-steps.ts");
      try {
        const people = await Promise.all([rawConnect(port), rawConnect(port), rawConnect(port)]);
        const [ada, bob, cy] = people;
        for (const person of people) await person!.waitFor(/Type your name/);
        await ada!.sendAll(encode("Ada\n"));
        await bob!.sendAll(encode("Bob\n"));
        await cy!.sendAll(encode("Cy\n"));
        await server.waitForCount(/Connection from/, 3, "stdout");
        await ada!.sendAll(encode("hel")); // a line in two reads
        await bob!.sendAll(encode("first\nsecond\n")); // two lines in one
        await ada!.sendAll(encode("lo\n"));
        await cy!.waitFor(/Ada: hello\n/);
        await cy!.waitFor(/Bob: first\nBob: second\n/);
        await bob!.waitFor(/Ada: hello\n/);
        await ada!.waitFor(/Bob: second\n/);
        expect(ada!.received()).not.toContain("Ada: hello");
        expect(bob!.received()).not.toContain("Bob: first");
        await server.waitFor(/Bob: second\n/, "stdout");
      } finally {
        remove();
      }
    },
    T,
  );
});

describe("lesson 3: the chat as sturdy as the class server (a fourth attack)", () => {
  test.skipIf(process.platform !== "linux")(
    "chat-client.ts with /dev/zero as input (one endless line): one line that says so, memory bounded; exit 1",
    async () => {
      const { port } = await startChat();
      const client = spawn(["bun", CHAT_CLIENT, "--port", String(port)], {
        stdin: Bun.file("/dev/zero"),
      });
      const peak = client.watchMemory();
      expect(await client.exit()).toBe(1);
      expect(client.stderr).toBe("A line over 4 KiB: the chat takes shorter lines.\n");
      expect(peak()).toBeLessThan(150 * 2 ** 20);
    },
    T,
  );

  test(
    "chat-client.ts with a line over 4 KiB as input: refused in one line, none of it sent; exit 1",
    async () => {
      const { port } = await startChat();
      const ada = await join_(port, "Ada");
      const input = new Blob([`Bea\n${"b".repeat(5000)}\n`]);
      const client = spawn(["bun", CHAT_CLIENT, "--port", String(port)], { stdin: input });
      expect(await client.exit()).toBe(1);
      expect(client.stderr).toBe("A line over 4 KiB: the chat takes shorter lines.\n");
      await ada.waitFor(/\* Bea (joined|left)\n/);
      expect(ada.received()).not.toContain("bbbb");
    },
    T,
  );

  test("chat-client.ts --help prints its usage; exit 0", async () => {
    const help = spawn(["bun", CHAT_CLIENT, "--help"]);
    expect(await help.exit()).toBe(0);
    expect(help.stdout).toStartWith("usage: bun chat-client.ts [HOST] [--port PORT]\n");
    expect(help.stderr).toBe("");
  });

  test(
    "marks piled on a letter: 4 shown, the rest as '?', on both screens (as the class server caps them)",
    async () => {
      const { server, port } = await startChat();
      const ada = await join_(port, "Ada");
      const zed = await join_(port, "Zed");
      await zed.sendAll(encode(`a${"\u0301".repeat(12)}!\n`));
      const capped = `a${"\u0301".repeat(4)}${"?".repeat(8)}!`;
      await ada.waitFor(new RegExp(`Zed: ${capped.replaceAll("?", "\\?")}\n`));
      await server.waitFor(/!\n/, "stdout");
      expect(server.stdout).toContain(`Zed: ${capped}\n`);
    },
    T,
  );

  test(
    "the banner gives each person's command as their folder has it: bun chat-client.ts ADDRESS, within 80 columns",
    async () => {
      const { server, port } = await startChat();
      await server.waitFor(/on this computer:/);
      const rows = server.stderr.trim().split("\n");
      expect(rows[0]).toBe(`Chat on port ${port}; Ctrl-C stops.`);
      expect(rows).toContain(`  on this computer: bun exercises/chat-client.ts --port ${port}`);
      for (const row of rows) expect(row.length).toBeLessThanOrEqual(80);
      for (const row of rows.filter((one) => one.startsWith("  over ")))
        expect(row).toMatch(/^ {2}over \S+: bun chat-client\.ts [\d.]+ --port \d+$/);
    },
    T,
  );

  // What a screen shows, read off a real terminal of 80 columns (tmux capture-pane).
  const tmux = Bun.which("tmux");
  if (!tmux) console.error("skipped: the chat's screens are read off tmux, which is missing");
  let sessions = 0;
  /** A command in a tmux window of its own, 80 columns wide; its screen as rows. */
  function onScreen(cmd: string[]) {
    const socket = `sob-chat-${process.pid}-${++sessions}`;
    // Its server carries this run's id: a killed run's next run ends it (harness.ts).
    const env = runEnvironment();
    const run = (...args: string[]) =>
      Bun.spawnSync([tmux!, "-L", socket, ...args], { stderr: "pipe", env });
    run("new-session", "-d", "-x", "80", "-y", "50", "--", ...cmd);
    const screen = () => run("capture-pane", "-p").stdout.toString().split("\n");
    return {
      screen,
      keys: (...keys: string[]) => run("send-keys", ...keys),
      /** Waits (checking 20 times a second) until a row matches, at most 10 s. */
      async until(pattern: RegExp) {
        const deadline = Date.now() + 10_000;
        while (!screen().some((row) => pattern.test(row))) {
          if (Date.now() > deadline) throw new Error(`no ${pattern} on:\n${screen().join("\n")}`);
          await Bun.sleep(50);
        }
      },
      end: () => run("kill-server"),
    };
  }
  const FORGED = [
    `${" ".repeat(71)}bob: I give up, the answer is 42`,
    `${"\t".repeat(8)}abcdefgh bob: tabs say 43`,
    `${"ｗ".repeat(36)}bob: wide says 44`,
  ];
  /** Every row of a screen that holds bob's name starts with mallory's: bob never spoke. */
  const noForgedRow = (rows: string[]) => {
    const withBob = rows.filter((row) => row.includes("bob:"));
    expect(withBob.length).toBeGreaterThanOrEqual(FORGED.length);
    for (const row of withBob) expect([row, row.startsWith("mallory: ")]).toEqual([row, true]);
  };

  test.skipIf(!tmux)(
    "on the teacher's screen (the chat server in 80 columns), no padding, tab or wide text makes a row that starts with another's name",
    async () => {
      const port = freePort();
      const server = onScreen(["bun", CHAT_SERVER, "--port", String(port)]);
      try {
        await server.until(/^Chat on port/);
        const mallory = await join_(port, "mallory");
        for (const line of FORGED) await mallory.sendAll(encode(`${line}\n`));
        await server.until(/44/);
        noForgedRow(server.screen());
      } finally {
        server.end();
      }
    },
    T,
  );

  test.skipIf(!tmux)(
    "on a student's screen (chat-client.ts in 80 columns), no padding, tab or wide text makes a row that starts with another's name",
    async () => {
      const { port } = await startChat();
      const client = onScreen(["bun", CHAT_CLIENT, "--port", String(port)]);
      try {
        await client.until(/Type your name/);
        client.keys("Bea", "Enter");
        await client.until(/Hello, Bea\./);
        const mallory = await join_(port, "mallory");
        for (const line of FORGED) await mallory.sendAll(encode(`${line}\n`));
        await client.until(/44/);
        noForgedRow(client.screen());
      } finally {
        client.end();
      }
    },
    T,
  );
});
