// The benchmark's class for row 8: STUDENTS clients keep sending short messages, each 10 ms
// after the reply to the one before, for SECONDS (bench/run.ts may start bench/drip.py
// beside them). Prints the students' round-trip times as JSON.
//   bun bench/drip-class.ts PORT STUDENTS SECONDS
const [port, students, seconds] = process.argv.slice(2, 5).map(Number) as [number, number, number];
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
await Promise.all(talking);
for (const socket of class_) socket.end();
console.log(JSON.stringify({ latencies }));
