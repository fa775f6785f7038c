// A ceiling for the benchmark: the least a Bun server can do for the tutorial's job, done
// correctly. It prints each chunk as it comes (no escapes, no names) and answers "Got it!",
// keeping what write() could not send for drain (write sends only what fits).
//   bun bench/ceiling-server.ts [--keep-open]
const keepOpen = process.argv.includes("--keep-open");
const GOT_IT = new TextEncoder().encode("Got it!");
type Queue = { unsent: Uint8Array[] };
const flush = (socket: Bun.Socket<Queue>) => {
  const queue = socket.data.unsent;
  while (queue[0]) {
    const n = socket.write(queue[0]);
    if (n < 0) return void queue.splice(0);
    if (n < queue[0].length) {
      queue[0] = queue[0].subarray(n);
      return;
    }
    queue.shift();
  }
};
const server = Bun.listen<Queue>({
  hostname: "127.0.0.1",
  port: 0,
  allowHalfOpen: true,
  socket: {
    open(socket) {
      socket.data = { unsent: [] };
      console.log(`Connection from : ${socket.remoteAddress}`);
    },
    data(socket, bytes) {
      console.log(new TextDecoder().decode(bytes));
      socket.data.unsent.push(GOT_IT);
      if (socket.data.unsent.length === 1) flush(socket);
    },
    drain: flush,
    end(socket) {
      socket.end(); // (its last replies are in the kernel already, or the queue dies with it)
    },
    close() {
      if (!keepOpen) process.exit(0);
    },
  },
});
console.error(`Listening on 127.0.0.1:${server.port}`);
process.on("SIGINT", () => process.exit(130));
