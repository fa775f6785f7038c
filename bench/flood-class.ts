// The benchmark's flood in a class: STUDENTS clients keep sending short messages, each after
// the reply to the one before, while one more client floods the server with BYTES of KIND
// (newlines, nul bytes or text) and never reads its replies. Prints the students' round-trip
// times while the flood lasts, and how many bytes the flooder got through, as JSON.
//   bun bench/flood-class.ts PORT STUDENTS BYTES newlines|nuls|text
const [port, students, total] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const kind = process.argv[5] ?? "text";
const fill = { newlines: 0x0a, nuls: 0x00, text: 0x66 }[kind] ?? 0x66;
const block = new Uint8Array(1 << 16).fill(fill);
type Student = { replies: number; wake: () => void };
const connect = () =>
  Bun.connect<Student>({
    hostname: "127.0.0.1",
    port,
    data: { replies: 0, wake: () => {} },
    socket: {
      data(socket, bytes) {
        socket.data.replies += bytes.length / 7; // each reply is the 7 bytes of "Got it!"
        socket.data.wake();
      },
    },
  });
const class_ = await Promise.all(Array.from({ length: students }, connect));
let flooding = true;
const latencies: number[] = [];
const talking = class_.map(async (socket, s) => {
  for (let m = 0; flooding; m++) {
    const t = performance.now();
    socket.write(`student ${s} message ${m}`);
    while (socket.data.replies < m + 1) await new Promise<void>((r) => (socket.data.wake = r));
    latencies.push(performance.now() - t);
  }
});
// The flood: written as fast as the server takes it, replies never read.
let sent = 0;
const done = Promise.withResolvers<void>();
const push = (socket: { write(b: Uint8Array): number }) => {
  while (sent < total) {
    const n = socket.write(block.subarray(0, Math.min(block.length, total - sent)));
    if (n <= 0) return;
    sent += n;
  }
  done.resolve();
};
const flooder = await Bun.connect({
  hostname: "127.0.0.1",
  port,
  socket: { open: (s) => s.pause(), drain: push, data() {} },
});
const started = performance.now();
push(flooder);
const timeout = setTimeout(() => done.resolve(), 60_000);
await done.promise;
clearTimeout(timeout);
const seconds = (performance.now() - started) / 1000;
flooding = false;
await Promise.all(talking);
for (const socket of [...class_, flooder]) socket.end();
console.log(JSON.stringify({ seconds, sent, latencies }));
