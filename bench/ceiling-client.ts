// A ceiling for the benchmark: the least a Bun client can do for the tutorial's job, done
// correctly. It reads standard input a line at a time, prints the prompt, sends the line
// (keeping what write() could not send for drain), waits for the reply and prints it.
// At the end of its input it half-closes and waits for the server to hang up.
//   bun bench/ceiling-client.ts PORT < messages
const port = Number(process.argv[2]);
let unsent: Uint8Array[] = [];
let sent = () => {};
let replied = (_text: string) => {};
let closed = () => {};
const flush = (socket: { write(b: Uint8Array): number }) => {
  while (unsent[0]) {
    const n = socket.write(unsent[0]);
    if (n < 0) return;
    if (n < unsent[0].length) {
      unsent[0] = unsent[0].subarray(n);
      return;
    }
    unsent.shift();
  }
  sent();
};
const decoder = new TextDecoder();
const socket = await Bun.connect({
  hostname: "127.0.0.1",
  port,
  socket: {
    data: (_s, bytes) => replied(decoder.decode(bytes, { stream: true })),
    drain: flush,
    close: () => closed(),
  },
});
const send = (line: Uint8Array) =>
  new Promise<void>((resolve) => {
    sent = resolve;
    unsent = [line];
    flush(socket);
  });
const reply = () => new Promise<string>((resolve) => (replied = resolve));
let parts: Uint8Array[] = []; // the line so far
process.stdout.write("Type your msg here: ");
for await (const chunk of Bun.stdin.stream()) {
  let start = 0;
  for (let end = chunk.indexOf(10); end >= 0; end = chunk.indexOf(10, start)) {
    const answer = reply();
    await send(Buffer.concat([...parts, chunk.subarray(start, end)]));
    console.log(await answer);
    process.stdout.write("Type your msg here: ");
    [parts, start] = [[], end + 1];
  }
  parts.push(chunk.subarray(start));
}
const gone = new Promise<void>((resolve) => (closed = resolve));
socket.shutdown();
await gone;
