#!/usr/bin/env bun
// The next step the tutorial points to: messages with explicit boundaries. Compare with
// server.ts: here every message ends with "\n", so the server can tell where one ends even
// when several arrive in one read. Run it like the original, then lines-client.ts:
//   bun exercises/lines-server.ts [--port PORT]
import { oneLineErrors, readPort } from "./run-server";

oneLineErrors(); // a port in use: one line, not a stack trace
const { port } = readPort("usage: bun exercises/lines-server.ts [--port PORT]", true);
const server = Bun.listen<{ rest: string; decoder: TextDecoder }>({
  hostname: "0.0.0.0",
  port,
  socket: {
    open(conn) {
      conn.data = { rest: "", decoder: new TextDecoder() };
      console.log(`Connection from : ${conn.remoteAddress}`);
    },
    data(conn, bytes) {
      // Keep what arrives; every "\n" ends one whole message, whatever the reads were.
      const messages = (conn.data.rest + conn.data.decoder.decode(bytes, { stream: true })).split(
        "\n",
      );
      conn.data.rest = messages.pop() ?? ""; // the start of a message still coming
      for (const message of messages) {
        console.log(message);
        conn.write("Got it!\n"); // a short reply fits at once (server.ts shows the full way)
      }
    },
    close() {
      process.exit(0);
    },
  },
});
console.error(`Listening on 0.0.0.0:${server.port}: now run bun exercises/lines-client.ts`);
