// The benchmark's projector: one client floods text lines for SECONDS while a student sends
// a line every 600 ms (within a connection's share of 2 a second); the server's standard
// output goes to OUT (a file). Prints, as JSON, the flooder's rows a second on the
// projector and each student line's delay from its send to its row in OUT (10 s at most).
//   bun bench/projector.ts PORT OUT SECONDS
import { openSync, readSync } from "node:fs";

const [port, out, seconds] = [Number(process.argv[2]), process.argv[3]!, Number(process.argv[4])];
const until = performance.now() + seconds * 1000;
const line = "a flooding line of text, sent again and again\n";
const flood = new TextEncoder().encode(line.repeat(1000));
const push = (socket: { write(b: Uint8Array): number }) => {
  while (performance.now() < until && socket.write(flood) === flood.length);
};
const flooder = await Bun.connect({
  hostname: "127.0.0.1",
  port,
  socket: { drain: push, data() {} },
});
const again = setInterval(() => push(flooder), 1);
push(flooder);
const student = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });

// OUT, read as it grows (a ceiling prints hundreds of MB): rows counted, student lines noted.
const file = openSync(out, "r");
const buffer = Buffer.alloc(8 << 20);
let position = 0;
let rows = 0; // every row: the flooder's, the student's and the two "Connection from"
let tail = ""; // the end of what was read, where a student line may be cut in two
const shown = new Set<number>(); // student lines seen
const readOn = () => {
  for (let n = readSync(file, buffer, 0, buffer.length, position); n > 0; ) {
    position += n;
    for (let at = buffer.indexOf(10); at >= 0 && at < n; at = buffer.indexOf(10, at + 1)) rows++;
    const text = tail + buffer.toString("latin1", 0, n);
    for (const [, line] of text.matchAll(/student line (\d+)\n/g)) shown.add(Number(line));
    tail = text.slice(-40);
    n = readSync(file, buffer, 0, buffer.length, position);
  }
};

const delays: number[] = [];
for (let n = 0; performance.now() < until; n++) {
  const sent = performance.now();
  student.write(`student line ${n}\n`);
  while (!shown.has(n) && performance.now() - sent < 10_000) {
    await Bun.sleep(1);
    readOn();
  }
  delays.push(performance.now() - sent);
  await Bun.sleep(600);
}
clearInterval(again);
readOn();
flooder.end();
student.end();
const flooderRows = rows - shown.size - 2;
console.log(JSON.stringify({ rowsPerSecond: flooderRows / seconds, delays }));
