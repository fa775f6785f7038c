// Lesson 3: the chat in exercises/, with three people (and a fourth who never reads).

import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanUp, PYTHON, ROOT, rawConnect, spawn, spawnScript } from "./harness";

afterEach(cleanUp);

const T = 20_000;
const CHAT_SERVER = join(ROOT, "exercises", "chat-server.ts");
const CHAT_CLIENT = join(ROOT, "exercises", "chat-client.ts");
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
    "three people: each line goes to the two others under its sender's name, never back; joins and leaves are told",
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
      expect(server.stdout).toBe("Ada: hello, all\nCy: hi Ada\n");
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
      expect(ada.received()).toContain("* ?[31mEve? joined\n?[31mEve?: ?[2Jgone??\n");
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

  test.skipIf(!PYTHON)(
    "one who never reads is disconnected once 64 KiB wait for it; the others are told and go on",
    async () => {
      const { server, port } = await startChat();
      const ada = await join_(port, "Ada");
      // A person with a tiny receive buffer who gives a name and then never reads.
      const slow = spawn([
        PYTHON!,
        "-c",
        "import socket, sys, time\n" +
          "s = socket.socket()\n" +
          "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)\n" +
          "s.connect(('127.0.0.1', int(sys.argv[1])))\n" +
          "s.sendall(b'Sloth\\n')\n" +
          "time.sleep(60)",
        String(port),
      ]);
      await ada.waitFor(/\* Sloth joined\n/);
      // Ada talks until the system's buffers toward Sloth are full, and 64 KiB wait beyond.
      const told = /\* Sloth was too slow to read, and was disconnected\n/;
      const batch = encode(`${"z".repeat(999)}\n`.repeat(100)); // 100 kB
      for (let n = 0; n < 300 && !told.test(ada.received()); n++) await ada.sendAll(batch);
      await ada.waitFor(told);
      expect(server.stderr).toContain("Sloth was too slow to read: disconnected.");
      const bob = await join_(port, "Bob");
      await ada.waitFor(/\* Bob joined\n/); // the chat goes on
      await bob.sendAll(encode("still here\n"));
      await ada.waitFor(/Bob: still here\n/);
      slow.proc.kill();
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
