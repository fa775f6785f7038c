// The benchmark's flood: one client sends BYTES without reading the replies, then checks
// that the server still answers and closes in order. Prints the seconds as JSON.
//
// If the replies pile up unread long enough, the server stops reading from this client
// until they are sent (read backpressure, as Python's blocking sendall would): the flood
// then stalls. After 500 ms without progress the flooder says so ("stalled") and starts
// reading, so that the flood can finish.
//   bun bench/flood.ts PORT BYTES
const [port, total] = process.argv.slice(2).map(Number) as [number, number];
const block = new Uint8Array(1 << 20).fill(0x66);
let sent = 0;
const flooded = Promise.withResolvers<void>();
let replies = "";
const closed = Promise.withResolvers<void>();
let progressAt = performance.now();
let stalled = false;
const push = (socket: { write(b: Uint8Array): number }) => {
  while (sent < total) {
    const n = socket.write(block.subarray(sent % block.length));
    if (n <= 0) return;
    sent += n;
    progressAt = performance.now();
  }
  flooded.resolve();
};
const socket = await Bun.connect({
  hostname: "127.0.0.1",
  port,
  socket: {
    open(s) {
      s.pause(); // never read the replies while flooding
    },
    drain: push,
    data(_s, data) {
      replies = (replies + new TextDecoder().decode(data)).slice(-100);
    },
    close() {
      closed.resolve();
    },
  },
});
const started = performance.now();
const watchdog = setInterval(() => {
  if (stalled || performance.now() - progressAt < 500) return;
  stalled = true; // the server has stopped reading from us: read the replies from now on
  socket.resume();
}, 100);
push(socket);
await flooded.promise;
clearInterval(watchdog);
const seconds = (performance.now() - started) / 1000;
// Still serving? Read the replies now, send one more message, then finish in order
// (a half-close) and read everything until the server hangs up.
socket.resume();
socket.write("still there?");
socket.shutdown();
await closed.promise;
console.log(JSON.stringify({ seconds, stalled, stillServing: replies.endsWith("Got it!") }));
