// The ceiling for the 50 MB benchmark: raw loopback throughput. One socket writes the
// bytes into another that discards them; prints the seconds that took, as JSON.
//   bun bench/ceiling-stream.ts BYTES
const total = Number(process.argv[2] ?? 50 * 1024 * 1024);
const bytes = new Uint8Array(total).fill(0x61);
let received = 0;
let started = 0;
const done = Promise.withResolvers<number>();
const server = Bun.listen({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    data(_socket, data) {
      received += data.length;
      if (received >= total) done.resolve((performance.now() - started) / 1000);
    },
  },
});
let sent = 0;
const push = (socket: { write(b: Uint8Array): number }) => {
  while (sent < total) {
    const n = socket.write(bytes.subarray(sent));
    if (n <= 0) return;
    sent += n;
  }
};
const client = await Bun.connect({
  hostname: "127.0.0.1",
  port: server.port,
  socket: { data() {}, drain: push },
});
started = performance.now();
push(client);
const seconds = await done.promise;
client.end();
server.stop(true);
console.log(JSON.stringify({ seconds }));
