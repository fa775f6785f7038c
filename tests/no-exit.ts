// The depth's tests run its code in the test's own process. What ends a process there
// (quit(), process.exit()) must fail the test that reached it: left as it is, it would end
// the whole run with exit 0, and a usage line or a stop reached by mistake would pass.
// Only the tests that import this are guarded; what ends a process is tested in one of
// its own.

process.exit = ((code?: number | string | null) => {
  throw new Error(`process.exit(${code ?? ""}) was called in a test's own process`);
}) as typeof process.exit;
