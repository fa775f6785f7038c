// The ceiling for the benchmark: the least a Bun client can do for the tutorial's
// exchange. It sends N short messages, each after the reply to the one before, with no
// standard input or output per message, and prints its timings as JSON.
//   bun bench/ceiling-client.ts PORT N
const [port, count] = [Number(process.argv[2]), Number(process.argv[3] ?? 20000)];
let replied = () => {};
const socket = await Bun.connect({
  hostname: "127.0.0.1",
  port,
  socket: {
    data() {
      replied();
    },
  },
});
const message = new TextEncoder().encode("message 12345");
const latencies = new Float64Array(count);
const started = performance.now();
for (let i = 0; i < count; i++) {
  const t = performance.now();
  const reply = new Promise<void>((resolve) => (replied = resolve));
  socket.write(message);
  await reply;
  latencies[i] = performance.now() - t;
}
const seconds = (performance.now() - started) / 1000;
socket.end();
console.log(JSON.stringify({ seconds, latencies: [...latencies] }));
