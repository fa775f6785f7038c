#!/usr/bin/env bun
// Lesson 3's demo: a person in the chat who never reads. Run it on the teacher's computer
// while exercises/chat-server.ts runs:
//   bun exercises/never-reads.ts [HOST] [--port PORT]
// It joins the chat as Sleeper, who reads nothing, and as 10 talkers, who read everything
// and send long lines (the chat server lets each send 10 a second). What the server sends
// Sleeper piles up: first in the systems' buffers (a few megabytes: about ten seconds),
// then in the server. The demo ends when the chat says what the server did about it.
import { oneLineErrors, readPort } from "./run-server";

const TALKERS = 10; // more, and this one program could not read all they say
const LINES = 300; // each talker's, of 4,000 characters: 400 kB a second in all
const LIMIT = 30; // seconds the demo waits for the chat's verdict, at most
const usage = "usage: bun exercises/never-reads.ts [HOST] [--port PORT]";
oneLineErrors();
const { port, host = "127.0.0.1" } = readPort(usage, false, 1);
const told = /\* Sleeper (.*), and was disconnected/;
let heard = ""; // the end of what the first talker read
let verdict = ""; // what the chat said of Sleeper
const decoder = new TextDecoder();
let done = () => {};
const whenTold = new Promise<void>((settle) => (done = settle));

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
console.log(`Sleeper reads nothing; ${TALKERS} talkers send ${LINES} long lines each.`);
setTimeout(() => {
  console.error(`Nothing about Sleeper in ${LIMIT} s: is that exercises/chat-server.ts?`);
  process.exit(1);
}, LIMIT * 1000);
await whenTold;
console.log(`The chat said: Sleeper ${verdict}, and was disconnected.`);
process.exit(0);
