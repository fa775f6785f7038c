// The benchmark's drip in a class: STUDENTS clients keep sending short messages, each after
// the reply to the one before, for SECONDS; with "drip", one more client meanwhile sends one
// byte per write (each its own TCP segment) as fast as the server takes them, and never
// reads its replies; with "quiet" nobody does. Prints the students' round trips as JSON.
//   bun bench/drip-class.ts PORT STUDENTS SECONDS drip|quiet
const [port, students, seconds] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const dripping = process.argv[5] === "drip";
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
const until = performance.now() + seconds * 1000;
const latencies: number[] = [];
const talking = class_.map(async (socket, s) => {
  for (let m = 0; performance.now() < until; m++) {
    const t = performance.now();
    socket.write(`student ${s} message ${m}`);
    while (socket.data.replies < m + 1) await new Promise<void>((r) => (socket.data.wake = r));
    latencies.push(performance.now() - t);
    await Bun.sleep(10); // a lively class, not a benchmark of its own
  }
});
// The drip: one byte at a time, as fast as the server takes them, replies never read.
let sent = 0;
const one = new Uint8Array([0x61]);
const BATCH = 200; // writes at a time: then the students (in this process too) get a turn
const push = (socket: { write(b: Uint8Array): number }) => {
  for (let n = 0; n < BATCH && performance.now() < until && socket.write(one) === 1; n++) sent++;
};
const dripper = dripping
  ? await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: { open: (s) => s.pause(), drain: push, data() {} },
    })
  : undefined;
const again = dripper ? setInterval(() => push(dripper), 1) : undefined; // after each stall
if (dripper) push(dripper);
await Promise.all(talking);
clearInterval(again);
for (const socket of dripper ? [...class_, dripper] : class_) socket.end();
console.log(JSON.stringify({ sent, latencies }));
