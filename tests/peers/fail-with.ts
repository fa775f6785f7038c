// A preload for the tests: makes Bun.connect and Bun.listen fail with the error code in
// FAIL_WITH, as the system reports it on another computer (Bun 1.4.5 on Linux reports
// "no route" as "refused", and Windows' reserved ports as EACCES), so that the real
// client.ts and server.ts meet exactly the error object their handlers would receive.
//   FAIL_WITH=EHOSTUNREACH bun --preload ./tests/peers/fail-with.ts client.ts 10.0.0.5
const code = process.env.FAIL_WITH ?? "EHOSTUNREACH";
const failure = () => Object.assign(new Error(`${code}: as the system says it`), { code });
Bun.connect = (() => Promise.reject(failure())) as unknown as typeof Bun.connect;
// The client asks for a route first (a UDP socket that sends nothing): say there is one.
Bun.udpSocket = (async () => ({ close() {} })) as unknown as typeof Bun.udpSocket;
Bun.listen = (() => {
  throw failure();
}) as unknown as typeof Bun.listen;
