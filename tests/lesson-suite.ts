// The lesson pair's tests as one run, in the order that finds a mutant soonest: `bun run
// mutate` runs `bun test --bail tests/lesson-suite.ts` for each mutant of server.ts and
// client.ts. Bun runs test files named on its command line in an order of its own (here
// the slowest, hardening, came before the tutorial's); imported, they run in this order.
// The fastest killers first: the walkthrough's transcripts, each script alone, the
// tutorial, then the faults and the hardening; the platforms and the handout last.
import "./walkthrough.test.ts";
import "./alone.test.ts";
import "./tutorial.test.ts";
import "./faults.test.ts";
import "./hardening.test.ts";
import "./platforms.test.ts";
import "./handout.test.ts";
