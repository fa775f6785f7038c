#!/usr/bin/env bun
// Lesson 3's demo: a person in the chat who never reads. The teacher runs it in a terminal
// of its own, on the projector:
//   bun exercises/never-reads.ts
// It starts a chat of its own (exercises/chat-server.ts on a free port of this computer):
// the class's chat is not flooded, and no student is cut off for reading slowly, as the
// demo's point is Sleeper, not the class. There it joins as Sleeper, who reads nothing,
// and as 10 talkers, who read everything and send long lines (the chat server lets each
// send 10 a second). What the server sends Sleeper piles up: first in the systems' buffers
// (a few megabytes: about ten seconds), then in the server, which keeps 64 KiB for one
// reader at most. The demo ends when its chat says what the server did about it.
import { join } from "node:path";
import { oneLineErrors, readPort } from "./run-server";

const TALKERS = 10; // more, and this one program could not read all they say
const LINES = 300; // each talker's, of 4,000 characters: 400 kB a second in all
const LIMIT = 30; // seconds the demo waits for the chat's verdict, at most
const usage = "usage: bun exercises/never-reads.ts";
oneLineErrors();
readPort(usage, false); // no host: the demo's chat is its own (--port is not used)
const told = /\* Sleeper (.*), and was disconnected/;
let heard = ""; // the end of what the first talker read
let verdict = ""; // what the chat said of Sleeper
const decoder = new TextDecoder();
let done = () => {};
const whenTold = new Promise<void>((settle) => (done = settle));

// The demo's own chat, on a free port; its first line on standard error gives the port.
const chatServer = join(import.meta.dir, "chat-server.ts");
const chat = Bun.spawn(["bun", chatServer, "--port", "0"], { stdout: "ignore", stderr: "pipe" });
const end = (code: number): never => {
  chat.kill();
  process.exit(code);
};
setTimeout(() => {
  console.error(`Nothing about Sleeper in ${LIMIT} s: the demo's chat did not say.`);
  end(1);
}, LIMIT * 1000);
const said = chat.stderr.getReader();
let banner = "";
while (!/Chat on port (\d+)/.test(banner)) {
  const { value, done: ended } = await said.read();
  if (ended) end(1); // it could not start: its line is on standard error
  banner += new TextDecoder().decode(value);
}
const port = Number(banner.match(/Chat on port (\d+)/)![1]);
const host = "127.0.0.1";

// Sleeper gives its name, then reads no more: Bun stops reading its socket.
const sleeper = await Bun.connect({ hostname: host, port, socket: { data() {} } });
sleeper.write("Sleeper\n");
sleeper.pause();
for (let n = 1; n <= TALKERS; n++) {
  const listens = n === 1; // one talker is enough to hear the verdict
  let unsent = Buffer.from(`Talker ${n}\n${`${"la ".repeat(1333)}\n`.repeat(LINES)}`);
  const send = (socket: { write(bytes: Uint8Array): number }) => {
    unsent = unsent.subarray(Math.max(socket.write(unsent), 0)); // the rest, on drain
  };
  await Bun.connect({
    hostname: host,
    port,
    socket: {
      open: send,
      drain: send,
      data(_socket, bytes) {
        if (!listens) return; // read, and dropped
        heard = heard.slice(-100) + decoder.decode(bytes, { stream: true }); // a line split
        verdict = heard.match(told)?.[1] ?? verdict; // in two reads is found whole
        if (verdict) done();
      },
    },
  });
}
console.log(`A chat of its own: Sleeper reads nothing; ${TALKERS} talkers send long lines.`);
await whenTold;
console.log(`The chat said: Sleeper ${verdict}, and was disconnected.`);
end(0);
