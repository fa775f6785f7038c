// The benchmark's class: CLIENTS connections open at once to a --keep-open server, then
// each sends MESSAGES short messages, each after the reply to the one before, all
// clients at the same time. Prints what was delivered and the round-trip times as JSON.
//   bun bench/class-load.ts PORT CLIENTS MESSAGES
const [port, clients, messages] = process.argv.slice(2).map(Number) as [number, number, number];
type Student = { replies: number; wake: () => void };
const sockets = await Promise.all(
  Array.from({ length: clients }, () =>
    Bun.connect<Student>({
      hostname: "127.0.0.1",
      port,
      data: { replies: 0, wake: () => {} },
      socket: {
        data(socket, data) {
          socket.data.replies += data.length / 7; // each reply is the 7 bytes of "Got it!"
          socket.data.wake();
        },
      },
    }),
  ),
);
const latencies: number[] = [];
const started = performance.now();
await Promise.all(
  sockets.map(async (socket, c) => {
    for (let m = 0; m < messages; m++) {
      const t = performance.now();
      socket.write(`student ${c} message ${m}`);
      while (socket.data.replies < m + 1)
        await new Promise<void>((resolve) => (socket.data.wake = resolve));
      latencies.push(performance.now() - t);
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const delivered = sockets.reduce((sum, s) => sum + s.data.replies, 0);
for (const socket of sockets) socket.end();
console.log(JSON.stringify({ seconds, delivered, latencies }));
