// WALKTHROUGH.md stays true: its TypeScript is the scripts' own, every statement of the
// tutorial's Python is paired, its step headings are the scripts' step comments, and its
// transcripts are what the scripts print today.

import { afterAll, afterEach, describe, expect, test } from "bun:test";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CLIENT,
  cleanUp,
  copiedAlone,
  freePort,
  noOffline,
  OFFLINE,
  ROOT,
  rawConnect,
  runClient,
  SERVER,
  spawn,
  startServer,
} from "./harness";

afterEach(cleanUp);

const walkthrough = readFileSync(join(ROOT, "WALKTHROUGH.md"), "utf8");
const scripts = { server: readFileSync(SERVER, "utf8"), client: readFileSync(CLIENT, "utf8") };

/** The text of a "## ..." section of the walkthrough, up to the next one. */
function section(title: string): string {
  const start = walkthrough.indexOf(`\n## ${title}\n`);
  expect(start).toBeGreaterThan(0);
  const next = walkthrough.indexOf("\n## ", start + 1);
  return walkthrough.slice(start, next < 0 ? undefined : next);
}

/** The fenced code blocks of a text, with their language, in order. */
function blocks(text: string): { lang: string; lines: string[] }[] {
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1]!,
    lines: m[2]!.split("\n").filter((line) => line.trim() !== ""),
  }));
}

const sides = [
  { title: "The server", script: "server" as const },
  { title: "The client", script: "client" as const },
];

// Under mutation testing (bun run mutate) the scripts' text is instrumented: what is quoted
// from it cannot match, and says nothing about what the scripts do, so these checks rest.
const mutating = process.env.MUTATING === "1";

describe.skipIf(mutating)("WALKTHROUGH.md", () => {
  test("the README is read in minutes: at most 1,000 words, the rest in the documents it links", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme.match(/\S+/g)!.length).toBeLessThanOrEqual(1000);
    for (const doc of ["WALKTHROUGH.md", "HANDOUT.md", "tests/README.md", "bench/README.md"])
      expect(readme).toContain(`(${doc})`);
  });
  test("its table of depth/ lists each module there is, and no other", () => {
    const table = walkthrough.slice(walkthrough.indexOf("| module | what it holds |"));
    const listed = [...table.matchAll(/^\| `([\w-]+\.ts)` \|/gm)].map((row) => row[1]);
    const modules = readdirSync(join(ROOT, "depth")).filter((name) => name.endsWith(".ts"));
    expect(listed.toSorted()).toEqual(modules.toSorted());
  });
  test("the README links to it", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain("(WALKTHROUGH.md)");
  });

  for (const { title, script } of sides) {
    test(`every block of TypeScript it quotes for ${script} is a run of ${script}.ts's lines`, () => {
      // A block is quoted as it stands in the script: contiguous lines, with their indent;
      // a line "// ..." marks a gap, so each part between gaps must stand in the script whole.
      const ours = scripts[script].split("\n");
      const quoted = blocks(section(title)).filter((b) => b.lang === "ts");
      expect(quoted.length).toBeGreaterThan(5);
      for (const block of quoted) {
        const parts = block.lines.join("\n").split(/^\s*\/\/ \.\.\.$\n?/m);
        for (const part of parts.map((p) => p.replace(/\n$/, "")).filter((p) => p !== "")) {
          const found = ours.some(
            (_, i) => ours.slice(i, i + part.split("\n").length).join("\n") === part,
          );
          expect([part, found]).toEqual([part, true]);
        }
      }
    });

    test(`every "Step N:" heading of ${title.toLowerCase()} is a comment in ${script}.ts, and the other way round`, () => {
      const headings = [...section(title).matchAll(/^### (Step \d+: .+)$/gm)].map((m) => m[1]!);
      const comments = [...scripts[script].matchAll(/^\s*\/\/ (Step \d+: .+)$/gm)].map(
        (m) => m[1]!,
      );
      expect(headings.length).toBeGreaterThan(5);
      expect(comments).toEqual(headings);
    });

    test(`in ${title.toLowerCase()}, each piece of the tutorial's Python is followed by the TypeScript that does its job`, () => {
      const all = blocks(section(title));
      all.forEach((block, i) => {
        if (block.lang === "python") expect(all[i + 1]?.lang).toBe("ts");
      });
    });
  }

  const tutorialFile = join(ROOT, "..", "shared", "tutorial", "sockets-tutorial.txt");
  const hasTutorial = existsSync(tutorialFile);
  if (!hasTutorial) console.error(`skipped: the tutorial is not at ${tutorialFile}`);

  test.skipIf(!hasTutorial)(
    "every statement of the tutorial's Python server and client is paired, in order",
    () => {
      // The tutorial's two programs: each runs from an "import socket" line to the first
      // line that explains one of them ("import socket : This imports ...").
      const lines = readFileSync(tutorialFile, "utf8").replaceAll("\r", "").split("\n");
      const programs: string[][] = [];
      lines.forEach((line, i) => {
        if (line !== "import socket") return;
        const end = lines.findIndex((l, j) => j > i && /^\S.* : [A-Z]/.test(l));
        programs.push(
          lines
            .slice(i, end)
            .map((l) => l.trim())
            .filter((l) => l !== ""),
        );
      });
      expect(programs.length).toBe(2);
      sides.forEach(({ title }, n) => {
        const paired = blocks(section(title))
          .filter((b) => b.lang === "python")
          .flatMap((b) => b.lines.map((l) => l.trim()));
        expect(paired).toEqual(programs[n]!);
      });
    },
  );
});

// What the scripts print, run for real: this holds under mutation testing too.
describe("WALKTHROUGH.md transcripts", () => {
  const canRun =
    process.getuid?.() === 0 &&
    Bun.which("ip") !== null &&
    Bun.which("python3") !== null &&
    process.platform === "linux";
  if (!canRun)
    console.error(
      "skipped: checking the transcripts needs root, ip (network namespaces) and python3 on Linux",
    );
  test.skipIf(!canRun)(
    "its transcripts match what the scripts print today",
    async () => {
      const tag = `${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
      try {
        const check = spawn(["bun", join(ROOT, "scripts", "transcripts.ts"), "--check"], {
          env: { SOB_TAG: tag },
        });
        expect(await check.exit()).toBe(0);
        expect(check.stderr).toContain("match a fresh run");
      } finally {
        await cleanUp(); // the script first, then what it may have left if it was killed
        for (const ns of [`sob-ts-${tag}`, `sob-tc-${tag}`]) {
          // Programs the script started there outlive it if it was killed: end them first.
          const pids = Bun.spawnSync(["ip", "netns", "pids", ns]).stdout.toString().split(/\s+/);
          for (const pid of pids.filter(Boolean)) process.kill(Number(pid), "SIGKILL");
          Bun.spawnSync(["ip", "netns", "del", ns], { stderr: "ignore" });
        }
      }
    },
    30_000,
  );
});

// The plans: each lesson's parts, their minutes, what is read aloud and shown in each.
const WORDS_A_MINUTE = 130; // spoken, at a teacher's pace
const EXPLAINED_TS = 20; // seconds for each line of TypeScript the section quotes: explained
const SHOWN_PYTHON = 5; // seconds for each line of the tutorial's Python it quotes: shown
const SECONDS_A_LINE = 3; // a line of a file on the projector, pointed at and said
/**
 * What a teacher reads aloud of a section: its prose, without code, tables or comments; of
 * a section in steps, each step's first paragraph (the rest is for reading later).
 */
function spokenMinutes(title: string): number {
  const prose = (text: string) =>
    text
      .replace(/```[\s\S]*?```/g, "")
      .replace(/<!--[\s\S]*?-->/g, "")
      .replace(/^\|.*$/gm, "");
  const steps = section(title).split(/^### Step \d+: .*$/m);
  const read =
    steps.length > 1
      ? [
          steps[0]!,
          ...steps.slice(1).map(
            (step) =>
              prose(step)
                .trim()
                .split(/\n\s*\n/)[0]!,
          ),
        ]
      : [section(title)];
  const words = read.map((text) => prose(text).match(/\S+/g)?.length ?? 0);
  return words.reduce((sum, n) => sum + n, 0) / WORDS_A_MINUTE;
}
/** The minutes it takes to explain the TypeScript a section quotes, and show its Python. */
function explainedMinutes(title: string): number {
  const quoted = blocks(section(title));
  const lines = (lang: string) =>
    quoted.filter((block) => block.lang === lang).reduce((n, block) => n + block.lines.length, 0);
  return (lines("ts") * EXPLAINED_TS + lines("python") * SHOWN_PYTHON) / 60;
}
/** The minutes it takes to show a script on the projector, a line at a time. */
function shownMinutes(script: string): number {
  if (script === "") return 0;
  const lines = readFileSync(join(ROOT, script), "utf8").split("\n").length;
  return (lines * SECONDS_A_LINE) / 60;
}
// The time to show a script is counted from its lines, which mutation testing instruments.
describe.skipIf(mutating)("the lesson plans", () => {
  for (const lesson of [
    "Lesson 1: one computer",
    "Lesson 2: two computers and the class",
    "Lesson 3 (optional): from echo to chat",
  ]) {
    test(`${lesson}: its parts fit 45 minutes with 5 for questions, each part what it reads aloud (${WORDS_A_MINUTE} words a minute), explains (${EXPLAINED_TS} s a line of TypeScript, ${SHOWN_PYTHON} s of Python) and shows (${SECONDS_A_LINE} s a line); the plan states these rates, and what to cut first`, () => {
      const rows = [...section(lesson).matchAll(/^\| (\d+) \| ([^|]+) \|([^|]*)\|([^|]*)\|$/gm)];
      expect(rows.length).toBeGreaterThan(2);
      const total = rows.reduce((sum, row) => sum + Number(row[1]), 0);
      expect(total).toBeLessThanOrEqual(45);
      expect(rows.some((row) => row[2]!.trim() === "questions" && Number(row[1]) >= 5)).toBe(true);
      for (const [, minutes, part, read, shown] of rows) {
        const title = read!.trim();
        const said = title ? spokenMinutes(title) + explainedMinutes(title) : 0;
        const needed = Math.ceil(said + shownMinutes(shown!.trim()));
        expect([part!.trim(), needed <= Number(minutes)]).toEqual([part!.trim(), true]);
      }
      expect(section(lesson)).toMatch(/If it runs late, cut first /);
      const rates = `| read aloud: ${WORDS_A_MINUTE} words a minute; ${EXPLAINED_TS} s for each line of TypeScript explained, ${SHOWN_PYTHON} s for each line of Python shown | shown: ${SECONDS_A_LINE} s a line |`;
      expect(section(lesson)).toContain(rates);
    });
  }
});

// Seeing packets needs administrator rights: a student without them is told so in one line.
const canDropRights = process.platform === "linux" && process.getuid?.() === 0;
const systemPython = Bun.which("python3", { PATH: "/usr/local/bin:/usr/bin:/bin" });
describe.skipIf(!canDropRights || !Bun.which("setpriv") || !Bun.which("python3"))(
  "scripts/capture.py",
  () => {
    // Run as nobody, who may not enter this checkout's folder nor a Python under /root:
    // the script alone in a folder of its own, and the system's Python.
    test.skipIf(!systemPython)(
      "without administrator rights: one line that says so, no traceback; exit 1",
      async () => {
        const dir = mkdtempSync(join(tmpdir(), "sob-capture-"));
        try {
          chmodSync(dir, 0o755);
          copyFileSync(join(ROOT, "scripts", "capture.py"), join(dir, "capture.py"));
          const nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
          const run = spawn([...nobody, systemPython!, "capture.py", "lo"], { cwd: dir });
          expect(await run.exit()).toBe(1);
          expect(run.stderr).toBe(
            "Seeing packets needs administrator rights: sudo python3 scripts/capture.py lo\n",
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
    test.skipIf(noOffline !== "")(
      "on loopback (lo) each packet is shown once, as tcpdump shows it, not once going out and once coming in",
      async () => {
        // A network of its own, where port 1337 is free: the capture, the server, the client.
        const holder = spawn([...OFFLINE, "sh", "-c", "ip link set lo up && echo up && exec cat"], {
          stdin: "pipe",
        });
        await holder.waitFor(/up/, "stdout");
        const inside = ["nsenter", `--net=/proc/${holder.proc.pid}/ns/net`];
        const capture = spawn([...inside, "python3", join(ROOT, "scripts", "capture.py"), "lo"]);
        await capture.waitFor(/ready/);
        const server = spawn([...inside, "bun", SERVER]);
        await server.waitFor(/Listening on/);
        const client = spawn([...inside, "bun", CLIENT], { stdin: new Blob(["hello\n"]) });
        expect(await client.exit()).toBe(0);
        expect(await server.exit()).toBe(0);
        const flags = () => [...capture.stdout.matchAll(/Flags \[(.*?)\]/g)].map((m) => m[1]);
        const count = (flag: string) => flags().filter((one) => one === flag).length;
        await capture.waitUntil(() => count("F.") >= 2, "both sides' goodbye");
        capture.proc.kill("SIGINT");
        expect(await capture.exit()).toBe(0);
        // One handshake ([S], [S.], [.]), the message and the reply ([P.] each), a goodbye
        // from each side ([F.]): twice each, were the copies going out shown too.
        expect([count("S"), count("S."), count("P."), count("F.")]).toEqual([1, 1, 2, 2]);
        const lines = capture.stdout.trim().split("\n");
        for (let i = 1; i < lines.length; i++) expect(lines[i]).not.toBe(lines[i - 1]);
      },
    );
    test("Ctrl-C ends it in order: its packets so far, no traceback; exit 0", async () => {
      const run = spawn(["python3", join(ROOT, "scripts", "capture.py"), "lo"]);
      await run.waitFor(/ready/);
      run.proc.kill("SIGINT");
      expect(await run.exit()).toBe(0);
      expect(run.stderr).toBe("ready\n");
      expect(run.stdout).not.toContain("ready"); // the transcript is the packets alone
    });
  },
);

// A worksheet per lesson, for the students: its exercises numbered within the lesson, as
// the walkthrough numbers them, each command one that runs, and none of the answers.
describe("the worksheets (exercises/worksheet-N.md)", () => {
  /** The bold titles of a numbered list: "1. **Three quick writes.**" gives that title. */
  const titles = (text: string) =>
    [...text.matchAll(/^(\d+)\. \*\*(.+?)\.\*\*/gm)].map((m) => `${m[1]}. ${m[2]}`);
  const answers = section("Answers to the exercises (for the teacher)").split(/^\*\*Lesson /m);
  const lessons = [
    { n: 1, listed: section("Try this (lesson 1)") },
    { n: 2, listed: section("Try this (lesson 2)") },
    { n: 3, listed: section("Lesson 3 (optional): from echo to chat") },
  ];
  for (const { n, listed } of lessons) {
    test(`lesson ${n}: the walkthrough's exercises, numbered from 1, each command a file that runs; none of the answers`, () => {
      const sheet = readFileSync(join(ROOT, "exercises", `worksheet-${n}.md`), "utf8");
      const headings = [...sheet.matchAll(/^## (\d+)\. (.+?)(?: \(at home\))?$/gm)];
      expect(headings.map((m) => `${m[1]}. ${m[2]}`)).toEqual(titles(listed));
      expect(headings.map((m) => Number(m[1]))).toEqual(headings.map((_, i) => i + 1));
      for (const [, file] of sheet.matchAll(/\bbun (?:exercises\/)?([\w-]+\.ts)/g))
        expect([
          file,
          existsSync(join(ROOT, "exercises", file!)) || existsSync(join(ROOT, file!)),
        ]).toEqual([file, true]);
      // No run of seven words of this lesson's answers is in the sheet.
      const words = (text: string) => text.toLowerCase().match(/[\w'`]+/g) ?? [];
      const sheetText = ` ${words(sheet).join(" ")} `;
      const answer = words(answers[n]!);
      for (let i = 0; i + 7 <= answer.length; i++)
        expect(sheetText).not.toContain(` ${answer.slice(i, i + 7).join(" ")} `);
    });
  }
});

// What "When something goes wrong" quotes is what the scripts print: each case made for
// real, its first row compared with the table's quote, addresses and ports made alike.
describe.skipIf(mutating)("WALKTHROUGH.md, 'When something goes wrong'", () => {
  const table = section("When something goes wrong");
  /** Addresses and ports as placeholders: the table's 10.0.0.5:1337 is the run's own. */
  const alike = (text: string) =>
    text.replace(/\d+\.\d+\.\d+\.\d+/g, "ADDRESS").replace(/\b\d{2,5}\b/g, "PORT");
  /** The table's first column, row by row: its quotes, and whether it says "then". */
  const quoted = [...table.matchAll(/^\| (.*?) \| [^|]+ \| [^|]+ \|$/gm)].map((row) => ({
    quotes: [...row[1]!.matchAll(/`([^`]+)`/g)].map((m) => alike(m[1]!)),
    twoRows: row[1]!.includes("` then `"),
  }));
  const serverAlone = copiedAlone(SERVER);
  const clientAlone = copiedAlone(CLIENT);
  afterAll(() => {
    serverAlone.remove();
    clientAlone.remove();
  });
  /** A run's first row of standard error, and its second, as the table would quote them. */
  const rows = (stderr: string) => stderr.trim().split("\n").map(alike);

  test("each message made for real starts as the table quotes it: the port in use, a connect refused alone, a mistyped command, standard input that is a folder, a script alone asked for more, the busy notice", async () => {
    const made: string[][] = [];
    const held = await startServer(["--keep-open"]);
    const second = spawn(["bun", SERVER, "--port", String(held.port)]);
    await second.exit();
    made.push(rows(second.stderr));
    const refused = clientAlone.run(["--port", String(freePort())], "hi\n");
    await refused.exit();
    made.push(rows(refused.stderr));
    for (const args of [["--prot", "5000"], ["--port"]]) {
      const mistake = spawn(["bun", CLIENT, ...args]);
      await mistake.exit();
      made.push(rows(mistake.stderr));
    }
    if (process.platform !== "win32") {
      const folder = spawn(["bash", "-c", 'exec bun "$0" < /', CLIENT]); // a shell's "<"
      await folder.exit();
      made.push(rows(folder.stderr));
    }
    const more = serverAlone.run(["--keep-open"]);
    await more.exit();
    made.push(rows(more.stderr));
    const busy = await startServer();
    await rawConnect(busy.port);
    await busy.waitFor(/Connection from/, "stdout");
    const turned = await runClient(["--port", String(busy.port)], "");
    made.push(rows(turned.stderr));
    const start = (quote: string) => quote.replace(/ ?\.\.\.$/, ""); // "the start"
    for (const [first, second] of made) {
      const row = quoted.find(({ quotes }) => quotes.some((q) => first!.startsWith(start(q))));
      expect([first, row !== undefined]).toEqual([first, true]);
      // A message of two rows, quoted as "`...` then `...`": the second row too.
      if (row?.twoRows) expect(second).toStartWith(start(row.quotes[1]!));
    }
  }, 30_000);
});
