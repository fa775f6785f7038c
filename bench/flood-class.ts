// The benchmark's flood in a class: STUDENTS clients keep sending short messages, each after
// the reply to the one before, while one more client floods the server with BYTES of KIND
// (newlines, nul bytes, text, combining marks on one letter, or emoji joined by U+200D: one
// endless character) and never reads its replies; FLOODERS such clients share the BYTES.
// Prints the students' round-trip times while the flood lasts, and how many bytes the
// flooders got through, as JSON.
//   bun bench/flood-class.ts PORT STUDENTS BYTES newlines|nuls|text|marks|joined [FLOODERS]
const [port, students, total] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const kind = process.argv[5] ?? "text";
const flooders = Number(process.argv[6] ?? 1);
const pattern = { newlines: "\n", nuls: "\0", text: "f", marks: "\u0301", joined: "\u200d👍" };
const unit = new TextEncoder().encode(pattern[kind as keyof typeof pattern] ?? "f");
const block = new Uint8Array(Math.floor(2 ** 16 / unit.length) * unit.length);
for (let at = 0; at + unit.length <= block.length; at += unit.length) block.set(unit, at);
const start = new TextEncoder().encode(kind === "joined" ? "👍" : "e"); // what the marks sit on
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
// The flood: written as fast as the server takes it, replies never read. Each flooder's
// share is whole blocks, so that a mark or a joiner is never cut in half.
let sent = 0;
let finished = 0;
const share = Math.max(1, Math.floor(total / flooders / block.length)) * block.length;
const done = Promise.withResolvers<void>();
type Flooder = { sent: number };
const push = (socket: { data: Flooder; write(b: Uint8Array): number }) => {
  while (socket.data.sent < share) {
    const at = socket.data.sent % block.length;
    const n = socket.write(block.subarray(at));
    if (n <= 0) return;
    socket.data.sent += n;
    sent += n;
  }
  if (++finished === flooders) done.resolve();
};
const flooding_ = await Promise.all(
  Array.from({ length: flooders }, () =>
    Bun.connect<Flooder>({
      hostname: "127.0.0.1",
      port,
      data: { sent: 0 },
      socket: { open: (s) => s.pause(), drain: push, data() {} },
    }),
  ),
);
for (const socket of flooding_) socket.write(start); // the letter or emoji it all joins
const started = performance.now();
for (const socket of flooding_) push(socket);
// No flooder: a quiet class, for as long as one second.
const timeout = setTimeout(() => done.resolve(), flooders === 0 ? 1000 : 60_000);
await done.promise;
clearTimeout(timeout);
const seconds = (performance.now() - started) / 1000;
flooding = false;
await Promise.all(talking);
for (const socket of [...class_, ...flooding_]) socket.end();
console.log(JSON.stringify({ seconds, sent, latencies }));
