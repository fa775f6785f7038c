// The depth's logic, in-process and fast: who gets a place in the room, the projector's
// budget, escaping, which diagnosis a failure gets, the usage lines, the trace. The
// end-to-end tests beside these spawn the real scripts; these let the mutation run reach
// each rule directly.

import "./no-exit.ts";
import { describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { Classroom } from "../depth/classroom.ts";
import { diagnosis } from "../depth/connect.ts";
import { visible } from "../depth/escapes.ts";
import { addressesForOthers, banner, cannotListen } from "../depth/listening.ts";
import { checkHost, hostAndPort, isThisComputer, lookUp } from "../depth/names.ts";
import { Notes } from "../depth/notes.ts";
import {
  firstLine,
  readClientOptions,
  readServerOptions,
  seconds,
  whole,
} from "../depth/options.ts";
import { columns, rowsOf } from "../depth/projector.ts";
import { within80 } from "../depth/rows.ts";
import { describe as describeCall, limited, traced } from "../depth/trace.ts";

describe("escapes (depth/escapes.ts)", () => {
  test("control, format, bidi, separators, tags, private use and unassigned characters become escapes", () => {
    expect(visible("a\x1b[2Jb")).toBe("a\\u{1b}[2Jb");
    expect(visible("\x00\x07\x7f")).toBe("\\u{0}\\u{7}\\u{7f}");
    expect(visible("\u202eevil\u2066")).toBe("\\u{202e}evil\\u{2066}");
    expect(visible("a\u200bb\u2028c\u2029d")).toBe("a\\u{200b}b\\u{2028}c\\u{2029}d");
    expect(visible("\u{e0041}\ue000\u0378")).toBe("\\u{e0041}\\u{e000}\\u{378}");
    expect(visible("\u00ad\u034f")).toBe("\\u{ad}\\u{34f}"); // default-ignorable
  });
  test("tab, newline, accents and emoji with their joiners and tags print as they are", () => {
    const text = "tab\there\nnew é ñ 👨‍👩‍👧 🏴󠁧󠁢󠁳󠁣󠁴󠁿 👍🏽 #️⃣ Tiếng Việt";
    expect(visible(text)).toBe(text);
  });
  test("up to 4 marks on one letter print; a 5th and more are escapes", () => {
    const four = "e\u0301\u0302\u0303\u0304";
    expect(visible(four)).toBe(four);
    expect(visible(`${four}\u0305\u0306`)).toBe(`${four}\\u{305}\\u{306}`);
  });
  test("an escape is \\u{H...} with the hex digits its code needs, as JavaScript writes it", () => {
    expect(visible("\x00")).toBe("\\u{0}");
    expect(visible("\x1b")).toBe("\\u{1b}");
    expect(visible("\u2066")).toBe("\\u{2066}");
    expect(visible("\uffff")).toBe("\\u{ffff}");
    expect(visible("\u{10ffff}")).toBe("\\u{10ffff}");
  });
});

describe("usage (depth/options.ts, depth/names.ts)", () => {
  test("the server's defaults are the tutorial's: every IPv4 address, port 1337, one client", () => {
    expect(readServerOptions([])).toEqual({
      host: "0.0.0.0",
      named: "0.0.0.0",
      port: 1337,
      keepOpen: false,
      maxClients: 1,
      trace: false,
    });
    expect(readServerOptions(["--keep-open"]).maxClients).toBe(100);
    expect(readServerOptions(["--keep-open", "--max-clients", "5"]).maxClients).toBe(5);
  });
  test("the client's defaults: this computer, port 1337, 10 s", () => {
    expect(readClientOptions([])).toEqual({
      host: "127.0.0.1",
      port: 1337,
      timeout: 10,
      trace: false,
    });
    expect(readClientOptions(["10.0.0.5", "--port", "5000", "--timeout", "2.5"])).toEqual({
      host: "10.0.0.5",
      port: 5000,
      timeout: 2.5,
      trace: false,
    });
  });
  test("each mistake says what is wrong", () => {
    const mistake = (f: () => unknown) => {
      try {
        f();
      } catch (problem) {
        return firstLine(problem, ["--port", "--timeout", "--keep-open"]);
      }
      return "no mistake";
    };
    expect(mistake(() => readServerOptions(["--max-clients", "3"]))).toBe(
      "--max-clients goes with --keep-open",
    );
    expect(mistake(() => readServerOptions(["--port", "70000"]))).toBe(
      '--port takes a whole number from 0 to 65535, not "70000"',
    );
    expect(mistake(() => readClientOptions(["--port", "0"]))).toContain("from 1 to 65535");
    expect(mistake(() => readClientOptions(["a", "b"]))).toBe("one server address, please");
    // A value that starts with "-" looks like an option: no port is negative, so say so.
    expect(mistake(() => readClientOptions(["--port", "-1"]))).toBe(
      "--port needs a value after it, such as --port 5000",
    );
    expect(mistake(() => readClientOptions(["--port"]))).toBe(
      "--port needs a value after it, such as --port 5000",
    );
    expect(mistake(() => readClientOptions(["--timeout"]))).toBe(
      "--timeout needs a value after it, such as --timeout 2.5",
    );
    // A mistyped option: the nearest of the script's own, if it is near.
    expect(mistake(() => readClientOptions(["--prot", "5"]))).toBe(
      "Unknown option '--prot': did you mean --port?",
    );
    expect(mistake(() => readClientOptions(["--keep-opne"]))).toBe(
      "Unknown option '--keep-opne': did you mean --keep-open?",
    );
    expect(mistake(() => readClientOptions(["--colour", "blue"]))).toBe(
      "Unknown option '--colour'",
    );
    // Three letters from --port (two from "--por"): not near enough to suggest it.
    expect(mistake(() => readClientOptions(["--pyx"]))).toBe("Unknown option '--pyx'");
    expect(mistake(() => readClientOptions(["--port", "0"]))).toBe(
      '--port takes a whole number from 1 to 65535, not "0"',
    );
    expect(mistake(() => readClientOptions(["--timeout", "0"]))).toBe(
      '--timeout takes a number of seconds from 0.001 to 2000000, not "0"',
    );
    expect(mistake(() => readServerOptions(["--host"]))).toBe(
      "--host needs a value after it, such as --host 127.0.0.1",
    );
    expect(mistake(() => readServerOptions(["--keep-open", "--max-clients"]))).toBe(
      "--max-clients needs a value after it, such as --max-clients 30",
    );
  });
  test("whole numbers and seconds are written in digits, within their bounds", () => {
    expect(whole("0", 0, 9, "--x")).toBe(0);
    expect(whole("9", 0, 9, "--x")).toBe(9);
    for (const text of ["10", "-1", "1e1", "0x5", " 5", "5.0", ""])
      expect(() => whole(text, 0, 9, "--x")).toThrow(`not "${text}"`);
    expect(seconds("0.2", "--t")).toBe(0.2);
    expect(seconds("0.001", "--t")).toBe(0.001);
    expect(seconds("2000000", "--t")).toBe(2_000_000);
    for (const text of ["0", "0.0009", "2000001", "1e3", ".5", "5.", " 5"])
      expect(() => seconds(text, "--t")).toThrow(`not "${text}"`);
  });
  test("a host is a name or an address alone: not a bare number, a link-local without its interface, multicast or broadcast", () => {
    for (const host of ["127.0.0.1", "::1", "localhost", "exämple.com", "fe80::1%eth0", "my-pc"])
      expect(checkHost(host)).toBe(host);
    expect(() => checkHost("1337")).toThrow('"1337" is not an address');
    expect(() => checkHost("10.20.0")).toThrow("one has four numbers");
    expect(() => checkHost("fe80::1")).toThrow("is link-local");
    expect(() => checkHost("224.0.0.1")).toThrow("multicast or broadcast");
    expect(() => checkHost("255.255.255.255")).toThrow("multicast or broadcast");
    expect(() => checkHost("ff02::1")).toThrow("multicast or broadcast");
    expect(() => checkHost("10.0.0.5:1337")).toThrow("as in 10.0.0.5 --port 1337");
    expect(() => checkHost("[::1]:1337")).toThrow("as in ::1 --port 1337");
    expect(() => checkHost("[::1]")).toThrow("write it without brackets: ::1");
    expect(() => checkHost("a b")).toThrow("give the port with --port");
  });
  test("names as people type them", () => {
    expect(hostAndPort("10.0.0.5", 1337)).toBe("10.0.0.5:1337");
    expect(hostAndPort("::1", 1337)).toBe("[::1]:1337");
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost"])
      expect(isThisComputer(host)).toBe(true);
    for (const host of ["10.127.0.1", "::12", "localhost.example", "1127.0.0.1"])
      expect(isThisComputer(host)).toBe(false);
  });
});

describe("the server's lines (depth/listening.ts)", () => {
  test("why it cannot listen, and what to do", () => {
    expect(cannotListen({ code: "EADDRINUSE" }, "0.0.0.0", 1337)).toBe(
      "Port 1337 is in use: stop the other server (Ctrl-C), or use another --port.",
    );
    expect(cannotListen({ code: "EACCES" }, "0.0.0.0", 80)).toContain("use one above 1023");
    expect(cannotListen({ code: "EACCES" }, "0.0.0.0", 5000)).toContain("reserved or blocked");
    expect(cannotListen({ message: "Failed to listen at 10.9.9.9" }, "10.9.9.9", 1337)).toBe(
      "This computer has no address 10.9.9.9: use one of its own, or no --host.",
    );
    expect(cannotListen({ message: "odd" }, "0.0.0.0", 1)).toBe("The server stopped: odd");
    const longest = "2001:db8:85a3:1234:5678:8a2e:370:7334"; // an address of 37 characters
    expect(cannotListen({ message: "Failed to listen" }, longest, 65535).split("\n")).toEqual([
      `This computer has no address ${longest}: use one of`,
      "its own, or no --host.",
    ]);
  });
  test("a line longer than 80 columns is broken at its last space before the 80th; shorter ones stay", () => {
    const long = `${"word ".repeat(20)}end`; // 103 characters
    const rows = within80(long).split("\n");
    expect(rows.map((row) => row.length)).toEqual([79, 23]);
    expect(rows.join(" ")).toBe(long);
    expect(within80("short\nlines")).toBe("short\nlines");
    expect(within80("x".repeat(90))).toBe("x".repeat(90)); // one word: nowhere to break
    expect(within80(`${"x".repeat(90)} y`)).toBe(`${"x".repeat(90)}\ny`); // a row of its own
    expect(within80(`${"y".repeat(80)} z`)).toBe(`${"y".repeat(80)}\nz`);
  });
  test("the banner names the command for this computer, and says when others cannot connect", () => {
    expect(banner("127.0.0.1", 1337).split("\n")).toEqual([
      "Listening on 127.0.0.1:1337; Ctrl-C stops.",
      "On this computer: bun client.ts 127.0.0.1",
      "Other computers cannot connect.",
    ]);
    expect(banner("::1", 5000).split("\n")[0]).toBe("Listening on [::1]:5000; Ctrl-C stops.");
    expect(banner("0.0.0.0", 5000)).toContain("On this computer: bun client.ts --port 5000");
  });
});

describe("which diagnosis a failed connect gets (depth/connect.ts)", () => {
  test("a refusal from ::1 is a refusal, not IPv6 being off", () => {
    const said = { host: "::1", address: "::1", port: 5000, timeout: 10 };
    expect(diagnosis({ code: "ECONNREFUSED" }, 10, said)).toBe(
      "Connection refused by [::1]:5000: start the server first (nobody listens).",
    );
    expect(diagnosis({ code: "EADDRNOTAVAIL" }, 10, { ...said, address: "10.0.0.1" })).toBe(
      "No port of this computer is free to connect from: close some connections.\nOr wait a minute: closed ones hold their ports a while.",
    );
  });
  const far = { host: "10.0.0.5", address: "10.0.0.5", port: 1337, timeout: 10 };
  const here = { ...far, host: "127.0.0.1", address: "127.0.0.1" };
  const fail = (code: string, took: number, said = far) => diagnosis({ code }, took, said);
  test("a real code names itself: no route, no computer, no answer in time, no port free", () => {
    expect(fail("ENETUNREACH", 0)).toStartWith("No route from here to 10.0.0.5:");
    expect(fail("EHOSTUNREACH", 0)).toStartWith("No computer answers at 10.0.0.5:");
    expect(fail("ETIMEDOUT", 9000)).toBe(
      "No answer from 10.0.0.5:1337 in 10 s.\nCheck the address, --port, the firewall, the server.",
    );
    expect(fail("EADDRNOTAVAIL", 0)).toStartWith("No port of this computer is free");
  });
  test("a refusal within half a second came from the computer; a later one is not called a refusal", () => {
    expect(fail("ECONNREFUSED", 499)).toStartWith("Connection refused by 10.0.0.5:1337:");
    expect(fail("ECONNREFUSED", 499)).toContain("or a firewall says no");
    const late = fail("ECONNREFUSED", 3100);
    expect(late).toStartWith("No connection to 10.0.0.5:1337 after 3.1 s:");
    expect(late).toContain("Bun cannot tell which.");
    expect(late).not.toContain("refused");
  });
  test("on this computer a refusal means nobody listens here; the macOS hint only on macOS, for others", () => {
    expect(fail("ECONNREFUSED", 3000, here)).toBe(
      "Connection refused by 127.0.0.1:1337: start the server first (nobody listens).",
    );
    const onMac = process.platform === "darwin";
    expect(fail("ENETUNREACH", 0).includes("allow Local Network")).toBe(onMac);
    expect(fail("ENETUNREACH", 0, here)).not.toContain("macOS");
  });
  test("each line's first row fits 80 columns; the detail comes on rows of its own, each within 80", () => {
    const codes = ["ENETUNREACH", "EHOSTUNREACH", "ECONNREFUSED", "ETIMEDOUT", "EADDRNOTAVAIL"];
    const far192 = {
      host: "192.168.100.200",
      address: "192.168.100.200",
      port: 65535,
      timeout: 10,
    };
    // (An unknown code is said in Bun's words, as long as they are: not counted here.)
    for (const code of [...codes, "ECONNRESET"])
      for (const took of [0, 3100])
        for (const row of fail(code, took, far192).split("\n"))
          expect([code, row, row.length <= 80]).toEqual([code, row, true]);
  });
  test("no address to connect from to an IPv6 one: IPv6 is off here, not a lack of ports", () => {
    const v6 = { ...far, host: "::1", address: "::1" };
    expect(diagnosis({ code: "EADDRNOTAVAIL" }, 0, v6)).toBe(
      "::1 is IPv6, which is off on this computer.\nUse 127.0.0.1 instead.",
    );
    const longest = "2001:db8:85a3:1234:5678:8a2e:370:7334";
    const another = { ...far, host: longest, address: longest };
    expect(diagnosis({ code: "EADDRNOTAVAIL" }, 0, another)).toBe(
      `${longest} is IPv6, which is off on this computer.\nUse the computer's IPv4 address instead.`,
    );
    expect(diagnosis({ code: "EADDRNOTAVAIL" }, 0, far)).toStartWith("No port of this computer");
  });
  test("a reset as it began, and anything else, is one line that says what to check", () => {
    expect(diagnosis({ code: "ECONNRESET" }, 0, far)).toBe(
      "Connection reset by 10.0.0.5:1337 as it began: try again.\nA firewall said no, or the server is full.",
    );
    expect(diagnosis({ message: "odd" }, 0, far)).toBe(
      "No connection to 10.0.0.5:1337 (odd).\nCheck the address, --port, the firewall, the server.",
    );
    expect(diagnosis({ code: "EPERM", message: "odd" }, 0, far)).toBe(
      "No connection to 10.0.0.5:1337 (EPERM).\nCheck the address, --port, the firewall, the server.",
    );
  });
});

describe("--trace (depth/trace.ts)", () => {
  test("it wraps each function given to Bun: the call is told, and the function still runs", () => {
    const lines: string[] = [];
    let ran = 0;
    const events = { open: () => ran++, data: () => ran++, close: () => ran++ };
    const wrapped = traced(events, (line) => lines.push(line));
    const socket = { remoteAddress: "127.0.0.1", remotePort: 5 } as unknown as Socket<unknown>;
    const call = wrapped as unknown as Record<string, (...args: unknown[]) => unknown>;
    call.open!(socket);
    call.data!(socket, new Uint8Array(3));
    call.close!(socket);
    expect(ran).toBe(3);
    expect(lines).toEqual([
      "(trace) Bun calls open(127.0.0.1:5)\n        in Python, s.accept() returns conn, addr",
      "(trace) Bun calls data(127.0.0.1:5, 3 bytes)\n        in Python, conn.recv(1024) returns data",
      "(trace) Bun calls close(127.0.0.1:5)\n        in Python, the program goes on after its loop",
    ]);
  });
  test("a client's calls name no client, and drain is told only when bytes wait", () => {
    const lines: string[] = [];
    const wrapped = traced({ data() {}, drain() {} }, (line) => lines.push(line));
    const call = wrapped as unknown as Record<string, (...args: unknown[]) => unknown>;
    call.data!({ data: undefined }, new Uint8Array(7));
    call.drain!({ data: { unsent: new Uint8Array(0) } });
    call.drain!({ data: { unsent: new Uint8Array(1) } });
    expect(lines).toEqual([
      "(trace) Bun calls data(7 bytes)\n        in Python, they wait for s.recv(1024)",
      "(trace) Bun calls drain()\n        in Python, s.sendall() goes on sending",
    ]);
    const name = describeCall("close", {} as Socket<unknown>, [new Error("reset")], false);
    expect(name).toBe("reset");
  });
  test("a client reset before the server first saw it is named so, never undefined", () => {
    const gone = { remoteAddress: undefined, remotePort: undefined } as unknown as Socket<unknown>;
    expect(describeCall("open", gone, [], true)).toBe("a client reset before it was seen");
    const v4 = { remoteAddress: "::ffff:10.0.0.5", remotePort: 50000 } as Socket<unknown>;
    expect(describeCall("open", v4, [], true)).toBe("10.0.0.5:50000");
  });
  test("20 lines a second, then one line that says the rest are not shown", () => {
    const lines: string[] = [];
    const say = limited((line) => lines.push(line));
    for (let n = 0; n < 30; n++) say(`line ${n}`);
    expect(lines.length === 21 || lines.length < 21).toBe(true); // a second may turn over
    expect(lines.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, n) => `line ${n}`));
    if (lines.length === 21) expect(lines[20]).toBe("(trace) more this second: not shown");
  });
});

/** A stand-in for a client's socket, as the class room sees one. */
function seatFor(address: string, port: number) {
  const ended: string[] = [];
  const conn = {
    data: { name: `${address}:${port}`, address },
    end: (notice?: string) => ended.push(notice ?? ""),
  };
  return Object.assign(conn as unknown as Socket<{ name: string; address: string }>, { ended });
}
/** A class room with `max` places, recording what it prints and says. */
function classroom(max: number) {
  const clients = new Set<Socket<{ name: string; address: string }>>();
  const printed: string[] = [];
  const said: string[] = [];
  const output = (_fd: number, line: string) => said.push(line);
  const work = { escaped: 0 }; // code units given to visible(): the work of escaping
  const room = new Classroom({
    clients,
    maxClients: max,
    print: (line) => printed.push(line),
    output,
    visible: (text) => {
      work.escaped += text.length;
      return visible(text);
    },
  });
  return { room, clients, printed, said, work };
}

describe("who gets a place in the room (depth/classroom.ts)", () => {
  test("a newcomer takes the place of a connection that never sent anything", async () => {
    const { room, clients } = classroom(2);
    const talker = seatFor("10.0.0.1", 1);
    const idle = seatFor("10.0.0.1", 2);
    clients.add(talker);
    clients.add(idle);
    await room.show(talker, "hello");
    const newcomer = seatFor("10.0.0.2", 3);
    expect(room.makeRoom(newcomer)).toBe(true);
    expect(clients.has(idle)).toBe(false);
    expect(clients.has(talker)).toBe(true);
    expect(idle.ended[0]).toContain("your place went to a newcomer");
  });
  test("when all have spoken, an address with at least 2 more places gives up its longest silent one", async () => {
    const { room, clients } = classroom(3);
    const [a, b, c] = [seatFor("10.0.0.1", 1), seatFor("10.0.0.1", 2), seatFor("10.0.0.1", 3)];
    for (const conn of [a, b, c]) clients.add(conn);
    await room.show(a, "first");
    await Bun.sleep(2);
    await room.show(b, "second");
    await Bun.sleep(2);
    await room.show(c, "third");
    expect(room.makeRoom(seatFor("10.0.0.2", 9))).toBe(true);
    expect(clients.has(a)).toBe(false); // silent longest
    expect([clients.has(b), clients.has(c)]).toEqual([true, true]);
  });
  test("a full room of one address that has all spoken makes no room for the same address", async () => {
    const { room, clients } = classroom(2);
    const [a, b] = [seatFor("10.0.0.1", 1), seatFor("10.0.0.1", 2)];
    clients.add(a);
    clients.add(b);
    await room.show(a, "x");
    await room.show(b, "y");
    expect(room.makeRoom(seatFor("10.0.0.1", 3))).toBe(false);
    expect(clients.size).toBe(2);
  });
  test("a crowd from 100 addresses that drips (10 chunks in a row of a byte or two) gives way to a newcomer; people who typed do not, nor one who typed 'y' nine times", async () => {
    const { room, clients } = classroom(102);
    const crowd = Array.from({ length: 100 }, (_, n) => seatFor(`10.3.0.${n + 1}`, 1));
    const [ana, bob] = [seatFor("10.0.0.1", 1), seatFor("10.0.0.2", 1)];
    for (const conn of [ana, bob, ...crowd]) clients.add(conn);
    for (let n = 0; n < 12; n++) for (const conn of crowd) await room.show(conn, "x");
    await room.show(ana, "a question about sockets");
    for (let n = 0; n < 9; n++) await room.show(bob, "y");
    for (let n = 0; n < 100; n++) expect(room.makeRoom(seatFor("10.9.0.1", 100 + n))).toBe(true);
    expect([...clients]).toEqual([ana, bob]); // each newcomer took a dripper's place
    expect(room.makeRoom(seatFor("10.9.0.2", 1))).toBe(false); // the two who spoke stay
    for (const conn of crowd)
      expect((conn as unknown as { ended: string[] }).ended).toEqual([
        "The server is full: your place went to a newcomer, as yours sent a byte or two at a time.",
      ]);
  });
  test("nor for another address when the one holding the places has only one more", async () => {
    const { room, clients } = classroom(3);
    const [a, b, c] = [seatFor("10.0.0.1", 1), seatFor("10.0.0.1", 2), seatFor("10.0.0.2", 3)];
    for (const conn of [a, b, c]) clients.add(conn);
    for (const conn of [a, b, c]) await room.show(conn, "hi");
    expect(room.makeRoom(seatFor("10.0.0.2", 4))).toBe(false); // 2 against 1 + 1
  });
});

describe.concurrent("the projector's budget (depth/classroom.ts)", () => {
  test("a connection shows 20 rows at once, and the rest is held back, not printed", async () => {
    const { room, clients, printed } = classroom(10);
    const flooder = seatFor("10.0.0.1", 1);
    clients.add(flooder);
    await room.show(flooder, Array.from({ length: 50 }, (_, n) => `row ${n}`).join("\n"));
    expect(printed).toHaveLength(20);
    expect(printed[0]).toBe("10.0.0.1:1: row 0");
    expect(printed[19]).toBe("10.0.0.1:1: row 19");
    room.leave(flooder, "left");
  });
  test("a crowd of 100 addresses keeps the class's share empty, yet a quiet student's line is shown at once", async () => {
    const { room, clients, printed } = classroom(200);
    const crowd = Array.from({ length: 100 }, (_, n) => seatFor(`10.1.0.${n + 1}`, 1));
    for (const conn of crowd) {
      clients.add(conn);
      await room.show(conn, "flood\n".repeat(30)); // the class's 1,000 rows, and more
    }
    await Bun.sleep(600); // the class's share earns 12 rows back, and the crowd floods on
    for (const conn of crowd) await room.show(conn, "flood\n".repeat(30));
    const student = seatFor("10.0.0.2", 2);
    clients.add(student);
    await room.show(student, "a quiet question");
    expect(printed.at(-1)).toBe("10.0.0.2:2: a quiet question");
    for (const conn of [...crowd, student]) room.leave(conn, "");
  });
  test("connecting again does not start afresh: the churner pays, its classmates behind the same address do not", async () => {
    const { room, clients, printed } = classroom(100);
    const flood = "x\n".repeat(100);
    // A lab behind one address: 29 classmates, and one who floods, leaves, comes back.
    const lab = Array.from({ length: 29 }, (_, n) => seatFor("10.0.0.9", 100 + n));
    for (const student of lab) {
      clients.add(student);
      room.announce(student); // as the server does when each connects
    }
    let shownToChurner = 0;
    for (let port = 1; port <= 30; port++) {
      const churner = seatFor("10.0.0.9", port);
      clients.add(churner);
      const before = printed.length;
      room.announce(churner);
      await room.show(churner, flood);
      // Its text's rows: its "Connection from" rows are another share (the next test).
      const rows = printed.slice(before).filter((row) => !row.startsWith("Connection from"));
      shownToChurner += rows.length;
      clients.delete(churner);
      room.leave(churner, "left");
    }
    expect(shownToChurner).toBeLessThan(25); // 20 at first, then what 2 a second earns
    for (const student of lab) await room.show(student, "hello\n".repeat(10));
    expect(printed.filter((row) => row.endsWith(": hello"))).toHaveLength(290);
    // Another address starts with its own share.
    const other = seatFor("10.0.0.7", 1);
    clients.add(other);
    room.announce(other);
    await room.show(other, flood);
    expect(printed.filter((row) => row.startsWith("10.0.0.7:1: "))).toHaveLength(20);
    for (const student of [...lab, other]) room.leave(student, "");
  });
  test("a churner behind a lab's address, connecting and closing 2,000 times, spends its own 'Connection from' rows: every line of its 29 classmates is shown, its joins past 100 are counted", async () => {
    const { room, clients, printed } = classroom(100);
    const started = performance.now();
    const lab = Array.from({ length: 29 }, (_, n) => seatFor("10.0.0.9", 100 + n));
    for (const student of lab) {
      clients.add(student);
      room.announce(student);
    }
    for (let round = 0; round < 20; round++) {
      for (let port = 1; port <= 100; port++) {
        const churner = seatFor("10.0.0.9", 1000 * round + port);
        clients.add(churner);
        room.announce(churner);
        clients.delete(churner);
        room.leave(churner, "left");
      }
      for (const student of lab) await room.show(student, `line ${round}`);
    }
    // The lab's 580 lines, all shown; of the 2,029 joins, 100 and one a second since.
    expect(printed.filter((row) => /: line \d+$/.test(row))).toHaveLength(580);
    const joins = printed.filter((row) => row.startsWith("Connection from : 10.0.0.9"));
    const seconds = Math.ceil((performance.now() - started) / 1000);
    expect(joins.length).toBeLessThanOrEqual(100 + seconds);
    for (const student of lab) room.leave(student, "");
  });
  test("another connection still shows its own rows while one is held back", async () => {
    const { room, clients, printed } = classroom(10);
    const flooder = seatFor("10.0.0.1", 1);
    const student = seatFor("10.0.0.2", 2);
    clients.add(flooder);
    clients.add(student);
    await room.show(flooder, "x\n".repeat(100));
    await room.show(student, "my question");
    expect(printed.at(-1)).toBe("10.0.0.2:2: my question");
    room.leave(flooder, "");
    room.leave(student, "");
  });
  test("what was held back is counted on standard error, naming the sender, when it leaves", async () => {
    const { room, clients, said } = classroom(10);
    const flooder = seatFor("10.0.0.1", 1);
    clients.add(flooder);
    await room.show(flooder, "abc\n".repeat(25)); // 20 shown, 5 held: 15 bytes in 5 lines
    clients.delete(flooder);
    room.leave(flooder, "left");
    expect(said).toContain("10.0.0.1:1 left; 0 connected.");
    expect(said).toContain("10.0.0.1:1: 15 bytes in 5 lines held back from the projector.");
  });
  test("a line held back across many chunks is counted once: a 64 MiB line is 1 line, not 134", async () => {
    const { room, clients, said } = classroom(10);
    const flooder = seatFor("10.0.0.1", 1);
    clients.add(flooder);
    await room.show(flooder, "abc\n".repeat(20)); // its 20 rows
    for (let n = 0; n < 100; n++) await room.show(flooder, "m".repeat(1000)); // no "\n"
    await room.show(flooder, "end\nand one more\n");
    clients.delete(flooder);
    room.leave(flooder, "left");
    expect(said).toContain("10.0.0.1:1: 100,015 bytes in 2 lines held back from the projector.");
  });
  test("the whole class shares 1,000 rows at once, then 20 a second: many addresses cannot fill the screen", async () => {
    const { room, clients, printed } = classroom(200);
    for (let n = 0; n < 100; n++) {
      const student = seatFor(`10.0.${n}.1`, n); // 100 computers, each within its own share
      clients.add(student);
      await room.show(student, "flood\n".repeat(20));
    }
    expect(printed.length).toBeLessThanOrEqual(1000 + 1); // a row may be earned meanwhile
    expect(printed.length).toBeGreaterThanOrEqual(1000);
  });
  test("a long line is broken into rows of the width, each named; blank lines say nothing", async () => {
    const { room, clients, printed } = classroom(10);
    const student = seatFor("10.0.0.2", 2);
    clients.add(student);
    await room.show(student, `\n\n${"w".repeat(150)}`);
    expect(printed.length).toBe(3); // 150 characters in rows of 80 - 12 columns
    for (const row of printed) {
      expect(row).toStartWith("10.0.0.2:2: ");
      expect(Bun.stringWidth(row)).toBeLessThanOrEqual(80);
    }
    room.leave(student, "");
  });
  test("lines of one kind on standard error: 20 a second, the rest counted", () => {
    const { room, said } = classroom(1);
    for (let n = 0; n < 25; n++) room.note("resets", `reset ${n}`);
    expect(said.length).toBeLessThanOrEqual(20);
    expect(said[0]).toBe("reset 0");
  });
});

describe("the depth's lines, word for word (depth/names.ts, depth/listening.ts, depth/connect.ts)", () => {
  test("names that start like special addresses are names; a number's line says only what fits it", () => {
    for (const host of ["feb-laptop", "ffion-pc", "230.lab", "fe80.example"])
      expect(checkHost(host)).toBe(host);
    expect(() => checkHost("10.20.0")).toThrow(
      /^"10\.20\.0" is not an address: one has four numbers, such as 192\.168\.1\.20$/,
    );
    expect(() => checkHost("1337")).toThrow(/^"1337" is not an address: for a port, --port 1337$/);
  });
  test("each mistake about a host says what to type instead", () => {
    expect(() => checkHost("1337")).toThrow('"1337" is not an address: for a port, --port 1337');
    // Only a plain number may have been meant as a port.
    expect(() => checkHost("10.20.0")).toThrow(
      '"10.20.0" is not an address: one has four numbers, such as 192.168.1.20',
    );
    // What the system would take for an address, unasked: hex, and digits of other scripts.
    for (const host of ["0x539", "0x7f.1", "017700000001"])
      expect(() => checkHost(host)).toThrow("one has four numbers");
    for (const host of ["２５５.２５５.２５５.２５５", "１３３７", "⁵⁷", "١٣٣٧"])
      expect(() => checkHost(host)).toThrow(`"${host}" is not an address: type its digits as 0-9`);
    expect(checkHost("0xcafe.example")).toBe("0xcafe.example"); // a name that starts so
    expect(() => checkHost("fe80::1")).toThrow(
      '"fe80::1" is link-local: add its interface, as in fe80::1%eth0',
    );
    expect(checkHost("fe80::1%eth0")).toBe("fe80::1%eth0"); // with its interface: fine
    expect(checkHost("2001:db8::1")).toBe("2001:db8::1"); // not link-local
    expect(() => checkHost("224.0.0.1")).toThrow(
      "224.0.0.1 is a multicast or broadcast address: TCP needs one computer's",
    );
    expect(checkHost("223.255.255.1")).toBe("223.255.255.1"); // the last unicast block
    expect(checkHost("fe00::1")).toBe("fe00::1"); // neither link-local nor multicast
  });
  // A name nobody knows would be asked of the real name server: that case runs offline,
  // in faults.test.ts (unshare -n). localhost is in the hosts file.
  test("a name's address: an address is itself, and localhost is IPv4 first", async () => {
    expect(await lookUp("10.1.2.3", 1)).toBe("10.1.2.3");
    expect(await lookUp("::1", 1)).toBe("::1");
    expect(await lookUp("localhost", 5)).toBe("127.0.0.1");
  });
  test("the banner on every address gives the command for others, wired and Wi-Fi first, and the firewall line", () => {
    const others = addressesForOthers();
    for (const { address } of others) {
      expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/); // IPv4 only
      expect(address).not.toStartWith("127.");
      expect(address).not.toStartWith("169.254.");
    }
    const wired = (via: string) => /^(en|eth|wl|wi-?fi|ethernet)/i.test(via);
    const firstOther = others.findIndex(({ via }) => !wired(via));
    if (firstOther >= 0)
      expect(others.slice(firstOther).every(({ via }) => !wired(via))).toBe(true);
    const lines = banner("0.0.0.0", 1337).split("\n");
    expect(lines.slice(0, 2)).toEqual([
      "Listening on 0.0.0.0:1337; Ctrl-C stops.",
      "On this computer: bun client.ts",
    ]);
    for (const { via, address } of others)
      expect(lines).toContain(`From another computer, over ${via}: bun client.ts ${address}`);
    if (others.length > 0)
      expect(lines.at(-1)).toBe("(A firewall here may have to allow TCP port 1337.)");
    expect(banner("::", 5000).split("\n")[1]).toBe("On this computer: bun client.ts --port 5000");
    expect(banner("10.9.9.9", 1337)).not.toContain("cannot connect"); // not this computer's loopback
    // A row that would pass 80 columns: the command whole, on a row of its own.
    const longest = "2001:db8:85a3:1234:5678:8a2e:370:7334";
    expect(banner(longest, 65535).split("\n").slice(1, 3)).toEqual([
      "On this computer:",
      `  bun client.ts ${longest} --port 65535`,
    ]);
  });
  test("a port is privileged up to 1023; above, EACCES means reserved (Windows names the ranges)", () => {
    expect(cannotListen({ code: "EACCES" }, "0.0.0.0", 1023)).toBe(
      "Port 1023 may need special privileges: use one above 1023, such as --port 1337.",
    );
    const windows = process.platform === "win32"; // the command that lists them, there only
    expect(cannotListen({ code: "EACCES" }, "0.0.0.0", 1024)).toBe(
      `Port 1024 is reserved or blocked: try another --port.${windows ? "\nReserved: netsh interface ipv4 show excludedportrange protocol=tcp" : ""}`,
    );
    expect(cannotListen({}, "0.0.0.0", 1)).toBe("The server stopped: [object Object]");
  });
  test("the refusal lines in full, and the half-second boundary", () => {
    const far = { host: "10.0.0.5", address: "10.0.0.5", port: 1337, timeout: 10 };
    expect(diagnosis({ code: "ECONNREFUSED" }, 499, far)).toBe(
      "Connection refused by 10.0.0.5:1337: start the server, or check --port.\nNobody listens on port 1337 there, or a firewall says no.",
    );
    expect(diagnosis({ code: "ECONNREFUSED" }, 500, far)).toStartWith("No connection to");
    expect(diagnosis({ code: "ENETUNREACH" }, 0, far)).toBe(
      "No route from here to 10.0.0.5: check the address and the network.\nSchool or guest Wi-Fi may keep devices apart: try a phone's hotspot.",
    );
    const here = { ...far, host: "localhost", address: "127.0.0.1" };
    expect(diagnosis({ code: "ECONNREFUSED" }, 0, here)).toBe(
      "Connection refused by localhost:1337: start the server first (nobody listens).",
    );
    expect(diagnosis({ code: "EOTHER" }, 0, far)).toBe(
      "No connection to 10.0.0.5:1337 (EOTHER).\nCheck the address, --port, the firewall, the server.",
    );
  });
});

describe.concurrent("the class room's lines (depth/classroom.ts)", () => {
  test("a newcomer is announced with its port, plainly off a terminal", () => {
    const { room, clients, printed } = classroom(5);
    const student = seatFor("10.0.0.3", 4242);
    clients.add(student);
    room.announce(student);
    expect(printed).toEqual(["Connection from : 10.0.0.3:4242"]);
  });
  test("whoever makes room is told why, and the teacher is told who made room for whom", async () => {
    const { room, clients, said } = classroom(1);
    const idle = seatFor("10.0.0.1", 1);
    clients.add(idle);
    expect(room.makeRoom(seatFor("10.0.0.2", 2))).toBe(true);
    expect(said).toEqual([
      "Closed 10.0.0.1:1 to make room for 10.0.0.2:2:\n  it had sent nothing yet.",
    ]);
    expect(idle.ended).toEqual([
      "The server is full: your place went to a newcomer, as yours had sent nothing yet.",
    ]);
  });
  test("the silent one given up is from the address holding the most places, not the newcomer's", async () => {
    const { room, clients } = classroom(4);
    const mineIdle = seatFor("10.0.0.2", 1);
    const [a, b, c] = [seatFor("10.0.0.1", 2), seatFor("10.0.0.1", 3), seatFor("10.0.0.1", 4)];
    for (const conn of [mineIdle, a, b, c]) clients.add(conn);
    await room.show(a, "x");
    expect(room.makeRoom(seatFor("10.0.0.2", 5))).toBe(true);
    expect(clients.has(mineIdle)).toBe(true); // its own address holds fewer places
    expect(clients.has(b)).toBe(false); // the oldest silent one of 10.0.0.1
  });
  test("one endless character costs no more than the rows it may fill: escaping works on a window of the line", async () => {
    for (const endless of ["e" + "\u0301".repeat(500_000), "👍" + "\u200d👍".repeat(200_000)]) {
      const { room, clients, printed, said, work } = classroom(5);
      const flooder = seatFor("10.0.0.2", 2);
      clients.add(flooder);
      await room.show(flooder, endless);
      expect(printed).toHaveLength(20); // its burst of rows
      for (const row of printed) expect(row.startsWith("10.0.0.2:2: ")).toBe(true);
      // 20 rows of 68 columns; a column is 8 code units at most: 10,896 looked at, not 1 MB.
      expect(work.escaped).toBeLessThanOrEqual(20 * 68 * 8 + 8);
      await room.show(flooder, endless); // no rows left: nothing is even looked at
      expect(work.escaped).toBeLessThanOrEqual(20 * 68 * 8 + 8);
      room.leave(flooder, "left");
      // Sent in two pieces, one endless line: counted once.
      expect(said.join("\n")).toMatch(/10\.0\.0\.2:2: [\d,]+ bytes in 1 line held back/);
    }
  });
  test("a row is counted the widest way any terminal draws it: an emoji with a skin tone 4, a Devanagari sign 2, U+3248 2, a mark on a letter 0", () => {
    expect(columns("plain ASCII")).toBe(11);
    expect(columns("👍🏽")).toBe(4); // Bun counts 2; some terminals draw the tone apart
    expect(columns("\u0915\u093e")).toBe(4); // क + ा: Bun counts the sign 0, the C library 1
    expect(columns("\u3248")).toBe(2); // Bun counts 1; a terminal in an East Asian locale 2
    expect(columns("e\u0301\u0302")).toBe(1);
    expect(columns("👨\u200d👩\u200d👧")).toBe(6); // a terminal without joined emoji draws 3
  });
  test("rows of emoji with skin tones are broken so that the widest terminal wraps none", async () => {
    const { room, clients, printed } = classroom(5);
    const student = seatFor("10.0.0.2", 2);
    clients.add(student);
    await room.show(student, "👍🏽".repeat(40)); // 160 columns at the widest, 80 for Bun
    expect(printed).toEqual([
      `10.0.0.2:2: ${"👍🏽".repeat(17)}`,
      `10.0.0.2:2: ${"👍🏽".repeat(17)}`,
      `10.0.0.2:2: ${"👍🏽".repeat(6)}`,
    ]);
  });
  test("a tab takes 8 columns of a row; escapes take their width", async () => {
    const { room, clients, printed } = classroom(5);
    const student = seatFor("10.0.0.2", 2);
    clients.add(student);
    await room.show(student, "\t".repeat(9)); // 72 columns: more than 68 fit in one row
    expect(printed).toHaveLength(2);
    await room.show(student, "\x1b".repeat(20)); // 120 columns of \u{1b}: two rows
    expect(printed.slice(2)).toEqual([
      `10.0.0.2:2: ${"\\u{1b}".repeat(11)}`,
      `10.0.0.2:2: ${"\\u{1b}".repeat(9)}`,
    ]);
  });
  test("a row ends after a space, so words stay whole; a word longer than half a row is cut", () => {
    const rows = (line: string, width: number) => [...rowsOf(line, width, visible)];
    const fox = "The quick brown fox jumps over the lazy dog, far away";
    expect(rows(fox, 20).map((row) => row.text)).toEqual([
      "The quick brown fox ",
      "jumps over the lazy ",
      "dog, far away",
    ]);
    expect(rows(fox, 20).map((row) => row.start)).toEqual([0, 20, 40]); // where each begins
    // A space in the row's first half would leave most of it empty: the word is cut.
    expect(rows(`ab ${"x".repeat(30)}`, 20).map((row) => row.text)).toEqual([
      `ab ${"x".repeat(17)}`,
      "x".repeat(13),
    ]);
  });
  test("more than 20 lines in a second, of any kinds together: a line a second later counts the rest, kind by kind; the server stopping is always said", async () => {
    const { room, said } = classroom(1);
    const start = Math.floor(performance.now() / 1000);
    for (let n = 0; n < 15; n++) room.note("resets", `reset ${n}`);
    for (let n = 0; n < 10; n++) room.note("clients leaving", `left ${n}`);
    room.note("resets", "reset 15");
    room.note("stopping", "Stopped by SIGTERM.");
    if (Math.floor(performance.now() / 1000) !== start) return; // a second turned over
    expect(said).toHaveLength(21);
    expect(said.slice(15, 21)).toEqual(
      [0, 1, 2, 3, 4].map((n) => `left ${n}`).concat("Stopped by SIGTERM."),
    );
    await Bun.sleep(1100);
    // In rows of 80 columns, each ending between kinds: the one row would be 82.
    expect(said[21]).toBe(
      "(and 6 more lines in that second, not printed: 5 of clients leaving,\n  1 of resets)",
    );
  });
});

describe("rows on the projector, at their edges (depth/projector.ts)", () => {
  const rows = (line: string, width: number) =>
    [...rowsOf(line, width, visible)].map((row) => row.text);
  test("a short plain line is one row, escaped once as a whole; a short line with escapes is escaped", () => {
    let calls = 0;
    const counting = (text: string) => {
      calls++;
      return visible(text);
    };
    expect([...rowsOf("x".repeat(10), 10, counting)]).toEqual([{ text: "x".repeat(10), start: 0 }]);
    expect(calls).toBe(1); // not once a character
    calls = 0;
    expect([...rowsOf("é".repeat(5), 10, counting)].map((row) => row.text)).toEqual([
      "é".repeat(5),
    ]);
    expect(calls).toBe(1); // 5 characters of 2 columns at the widest: 10, it fits
    expect(rows("a\x1bb", 80)).toEqual(["a\\u{1b}b"]);
    expect(rows("a\tb", 80)).toEqual(["a\tb"]);
  });
  test("rows cut where they are full say where in the line each starts", () => {
    const line = "abcdefghijklmnopqrstuvwxyz";
    expect([...rowsOf(line, 10, visible)].map((row) => row.start)).toEqual([0, 10, 20]);
  });
  test("words stay whole where a space falls in the row's second half, exactly half included", () => {
    expect(rows("hello world again", 8)).toEqual(["hello ", "world ", "again"]);
    expect([...rowsOf("hello world again", 8, visible)].map((row) => row.start)).toEqual([
      0, 6, 12,
    ]);
    expect(rows("abcd efghijklm", 10)).toEqual(["abcd ", "efghijklm"]); // the space at 5 of 10
    expect(rows("abc defghijklm", 10)).toEqual(["abc defghi", "jklm"]); // at 4 of 10: cut
  });
  test("the word after a space goes to the next row when it fits there exactly, escapes counted", () => {
    // "fghi" and \u{1b} (6 columns) are 10 columns: the next row, whole.
    expect(rows("abcde fghi\x1b", 10)).toEqual(["abcde ", "fghi\\u{1b}"]);
    // The word and the escape would not fit a row together: the row is cut where it is full.
    expect(rows("abcd fghij\x1b", 10)).toEqual(["abcd fghij", "\\u{1b}"]);
    // One column more, and the escape cannot join the word: it starts a row of its own.
    expect(rows("abcde fghij\x1b", 10)).toEqual(["abcde ", "fghij", "\\u{1b}"]);
  });
  test("emoji joined across the end of a window are never cut into pieces, nor surrogates split", () => {
    // 8 code units each, after one: windows (a multiple of 8 units) end inside them.
    const families = `a${"👨\u200d👩\u200d👧".repeat(30)}`;
    const shown = rows(families, 10);
    expect(shown.join("")).toBe(families);
    for (const row of shown) expect(row).not.toContain("\\u{");
    // One endless joined character: windows cut it, but never between a surrogate pair.
    const endless = `👍${"\u200d👍".repeat(100)}`;
    for (const width of [10, 13, 16]) {
      for (const row of rows(endless, width)) expect(row).not.toMatch(/\\u\{d[89a-f]/);
    }
  });
  test("a run of Hangul jamo is one character of many wide ones: its rows keep within the width", () => {
    const jamo = "\u1100".repeat(40); // ᄀ: 2 columns each, and one grapheme however long
    const shown = rows(jamo, 10);
    expect(shown).toEqual(Array.from({ length: 8 }, () => "\u1100".repeat(5)));
    for (const row of shown) expect(columns(row)).toBeLessThanOrEqual(10);
  });
  test("a character with more escapes than a row holds takes rows of them, each within the width", () => {
    const piled = `e${"\u0301".repeat(24)}`; // 4 marks shown, 20 as escapes of 7 columns
    const shown = rows(piled, 30);
    expect(shown.join("")).toBe(`e${"\u0301".repeat(4)}${"\\u{301}".repeat(20)}`);
    for (const row of shown) expect(columns(row)).toBeLessThanOrEqual(30);
  });
});

/** Waits until a new whole second of performance.now() begins (at most a second). */
async function nextSecond(): Promise<void> {
  const now = Math.floor(performance.now() / 1000);
  while (Math.floor(performance.now() / 1000) === now) await Bun.sleep(5);
}

describe.concurrent("--trace and the teacher's notes, every line and every second (depth/trace.ts, depth/notes.ts)", () => {
  test("each call the server and the client meet has its Python, word for word", () => {
    const lines: string[] = [];
    const all = { open() {}, data() {}, drain() {}, end() {}, close() {}, error() {} };
    const server = traced(all, (line) => lines.push(line)) as unknown as Record<
      string,
      (...args: unknown[]) => unknown
    >;
    const socket = {
      remoteAddress: "10.0.0.9",
      remotePort: 7,
      data: { unsent: new Uint8Array(2) },
    };
    server.drain!(socket);
    server.end!(socket);
    server.close!(socket, new Error("Connection reset by peer"));
    server.error!(socket, new Error("EMFILE"));
    server.data!(socket, "not bytes");
    const client = traced({ data() {}, drain() {}, close() {} }, (line) => lines.push(line));
    (client as unknown as Record<string, (...args: unknown[]) => unknown>).close!({});
    const python = (call: string, step: string) =>
      `(trace) Bun calls ${call}\n        in Python, ${step}`;
    expect(lines).toEqual([
      python("drain(10.0.0.9:7)", "conn.sendall() goes on sending"),
      python("end(10.0.0.9:7)", "conn.recv(1024) returns b'': not data, break"),
      python("close(10.0.0.9:7, Connection reset by peer)", "the program goes on after its loop"),
      python("error(10.0.0.9:7, EMFILE)", "an exception in the loop"),
      python("data(10.0.0.9:7)", "conn.recv(1024) returns data"),
      python("close()", "the next s.recv(1024) returns b''"),
    ]);
  });
  test("a name is read once: a socket that loses its port later keeps its name", () => {
    const socket = { remoteAddress: "10.0.0.3", remotePort: 9 } as { remotePort?: number };
    const conn = socket as unknown as Socket<unknown>;
    expect(describeCall("open", conn, [], true)).toBe("10.0.0.3:9");
    socket.remotePort = undefined; // closed: the system no longer says
    expect(describeCall("close", conn, [], true)).toBe("10.0.0.3:9");
    expect(describeCall("close", conn, [new Error("gone")], true)).toBe("10.0.0.3:9, gone");
    const half = { remoteAddress: "10.0.0.4", remotePort: undefined } as unknown as Socket<unknown>;
    expect(describeCall("open", half, [], true)).toBe("a client reset before it was seen");
  });
  test("drain is not told for a socket with data but nothing unsent; the function still runs", () => {
    const lines: string[] = [];
    let ran = 0;
    const wrapped = traced({ data() {}, drain: () => ran++ }, (line) => lines.push(line));
    const call = wrapped as unknown as Record<string, (...args: unknown[]) => unknown>;
    call.drain!({ data: {} });
    call.drain!({ data: undefined });
    expect([ran, lines]).toEqual([2, []]);
  });
  test("the trace's 20 lines are a second's: the next second has 20 of its own", async () => {
    await nextSecond(); // the whole of one second ahead
    const lines: string[] = [];
    const say = limited((line) => lines.push(line));
    for (let n = 0; n < 25; n++) say(`line ${n}`);
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe("(trace) more this second: not shown");
    await nextSecond();
    say("a new second");
    expect(lines.slice(21)).toEqual(["a new second"]);
  });
  test("the notes' budget is a second's: the next second has its own, and the count comes a second later", async () => {
    await nextSecond();
    const said: string[] = [];
    const notes = new Notes((_fd, line) => said.push(line));
    for (let n = 0; n < 23; n++) notes.note("resets", `reset ${n}`);
    expect(said).toHaveLength(20);
    await nextSecond();
    notes.note("resets", "a new second");
    const count = "(and 3 more lines in that second, not printed: 3 of resets)";
    while (!said.includes(count)) await Bun.sleep(5); // a second after the first left out
    await Bun.sleep(50); // and no second count line follows
    expect(said.slice(20).sort()).toEqual([count, "a new second"]);
  });
});

describe.concurrent("who makes room, who is shown, who is forgotten: the edges (depth/classroom.ts)", () => {
  /** Clients in the room, each having spoken, in the order given. */
  async function spoken(
    room: Classroom,
    clients: Set<unknown>,
    seats: ReturnType<typeof seatFor>[],
  ) {
    for (const seat of seats) {
      clients.add(seat);
      await room.show(seat, "here");
      await Bun.sleep(2); // each speaks at its own moment
    }
  }
  test("a tie between addresses goes to the newcomer's own: its own clients are not made to give way to it", async () => {
    const { room, clients } = classroom(4);
    const a = [seatFor("10.0.0.1", 1), seatFor("10.0.0.1", 2)];
    await spoken(room, clients, a);
    const silentB = seatFor("10.0.0.2", 3);
    clients.add(silentB); // never spoke
    await spoken(room, clients, [seatFor("10.0.0.2", 4)]);
    expect(room.makeRoom(seatFor("10.0.0.1", 5))).toBe(false); // 2 and 2: the same
    expect(clients.has(silentB)).toBe(true);
  });
  test("an address with exactly 2 more places than the newcomer's gives up the one silent longest, not its oldest", async () => {
    const { room, clients, said } = classroom(2);
    const [oldest, other] = [seatFor("10.0.0.1", 1), seatFor("10.0.0.1", 2)];
    await spoken(room, clients, [oldest, other]);
    await room.show(oldest, "again"); // the oldest spoke last: the other is silent longest
    expect(room.makeRoom(seatFor("10.0.0.2", 3))).toBe(true);
    expect([clients.has(oldest), clients.has(other)]).toEqual([true, false]);
    expect(other.ended).toEqual([
      "The server is full: your place went to a newcomer, as yours was silent longest, of an address holding many.",
    ]);
    expect(said).toContain(
      "Closed 10.0.0.1:2 to make room for 10.0.0.2:3:\n  it was silent longest, of an address holding many.",
    );
  });
  test("one place more is not enough: 2 of one address and 1 of the newcomer's make no room", async () => {
    const { room, clients } = classroom(3);
    await spoken(room, clients, [
      seatFor("10.0.0.1", 1),
      seatFor("10.0.0.1", 2),
      seatFor("10.0.0.2", 3),
    ]);
    expect(room.makeRoom(seatFor("10.0.0.2", 4))).toBe(false);
    expect(clients.size).toBe(3);
  });
  test("who leaves is said with how many stay; a newcomer past its address's share of 'Connection from' rows is not announced yet", async () => {
    const { room, clients, printed, said } = classroom(5);
    const ana = seatFor("10.0.0.7", 1);
    clients.add(ana);
    room.announce(ana);
    clients.delete(ana);
    room.leave(ana, "left");
    expect(said).toEqual(["10.0.0.7:1 left; 0 connected."]);
    room.leave(seatFor("10.0.0.7", 2), ""); // turned away: nothing to say
    expect(said).toHaveLength(1);
    // An address whose share of joins is spent (100 at once): its newcomer's line waits,
    // counted with what it holds back.
    for (let n = 0; n < 100; n++) {
      const joined = seatFor("10.0.0.8", 100 + n);
      clients.add(joined);
      room.announce(joined);
    }
    const before = printed.length;
    const late = seatFor("10.0.0.8", 2);
    clients.add(late);
    room.announce(late);
    expect(printed.length).toBe(before);
    expect(room.holdsBack(late)).toBe(true);
  });
  test("an address all of whose clients left, with its share back, is forgotten: 200 addresses leave nothing behind", async () => {
    const { room, clients } = classroom(300);
    const seats = Array.from({ length: 200 }, (_, n) => seatFor(`10.1.${n >> 8}.${n & 255}`, 1));
    const pair = seatFor("10.2.0.1", 2); // an address with two clients
    for (const seat of [...seats, seatFor("10.2.0.1", 1), pair]) {
      clients.add(seat);
      await room.show(seat, "hi"); // a row of each address's share
    }
    await Bun.sleep(200); // 10 rows a second: the row comes back within 0.1 s
    for (const seat of seats) {
      clients.delete(seat);
      room.leave(seat, "left");
    }
    clients.delete(pair);
    room.leave(pair, "left"); // its address still has a client here: kept
    const addresses = (room as unknown as { addresses: Map<string, unknown> }).addresses;
    expect([...addresses.keys()]).toEqual(["10.2.0.1"]);
  });
});
