// The benchmark's flood: one client sends BYTES without ever reading the replies, then
// checks that the server still answers. Prints the seconds as JSON.
//   bun bench/flood.ts PORT BYTES
const [port, total] = process.argv.slice(2).map(Number) as [number, number];
const block = new Uint8Array(1 << 20).fill(0x66);
let sent = 0;
const flooded = Promise.withResolvers<void>();
let replies = "";
let answered = () => {};
const push = (socket: { write(b: Uint8Array): number }) => {
  while (sent < total) {
    const n = socket.write(block.subarray(sent % block.length));
    if (n <= 0) return;
    sent += n;
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
      replies += new TextDecoder().decode(data);
      answered();
    },
  },
});
const started = performance.now();
push(socket);
await flooded.promise;
const seconds = (performance.now() - started) / 1000;
// Still serving? Read the replies now, send one more message, wait for its answer.
socket.resume();
socket.write("still there?");
const before = replies.length;
while (replies.length === before || !replies.endsWith("Got it!")) await new Promise<void>((r) => (answered = r));
socket.end();
console.log(JSON.stringify({ seconds, stillServing: true }));
