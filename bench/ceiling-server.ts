// The ceiling for the benchmark: the least a Bun server can do for the tutorial's
// exchange. It answers "Got it!" to every chunk and prints nothing per message.
//   bun bench/ceiling-server.ts [PORT] [--keep-open]
const port = Number(process.argv[2] ?? 0);
const keepOpen = process.argv.includes("--keep-open");
const server = Bun.listen({
  hostname: "127.0.0.1",
  port,
  socket: {
    data(socket) {
      socket.write("Got it!");
    },
    close() {
      if (!keepOpen) process.exit(0);
    },
  },
});
console.error(`Listening on 127.0.0.1:${server.port}`);
