// depth/output.ts: the class server's output, in one ordered queue written without
// blocking. console.log() waits for the terminal, so Ctrl-S (or a Windows selection, or
// a full pipe) would stop every student; here the lines wait in memory, 1 MiB at most,
// written by fs.write() in another thread. Past 1 MiB lines are counted, and one line
// says how many were left out as soon as the queue is back under it.

import { write } from "node:fs";

const OUTPUT_LIMIT = 2 ** 20; // bytes of output that wait for the terminal, at most
const RETRY_WAIT = 10; // ms before writing again to a full pipe that does not wait

const waiting: { fd: number; bytes: Uint8Array }[] = []; // standard output is 1, error 2
let waitingBytes = 0; // of all the output waiting
let writing = false; // whether a write is under way
let leftOut = 0; // lines left out while too much was waiting
const whenPrinted: (() => void)[] = []; // who waits until all output is out

/** A line on standard output, in turn. */
export function print(line: string): void {
  output(1, line);
}

/**
 * Queues a line for standard output (1) or error (2). Standard error may fill a second
 * MiB: what is said about the class (few lines, within their own budget) still gets out
 * when its text has filled the first.
 */
export function output(fd: number, line: string): void {
  if (waitingBytes > (fd === 2 ? 2 * OUTPUT_LIMIT : OUTPUT_LIMIT)) {
    leftOut++; // 1 MiB waits already: this line is only counted
    return;
  }
  const bytes = Buffer.from(line + "\n");
  waiting.push({ fd, bytes });
  waitingBytes += bytes.length;
  if (!writing) writeNext(); // otherwise the write under way calls writeNext() when done
}

/** Writes what waits, oldest first; when all is out, tells whoever waits (printed()). */
function writeNext(): void {
  const first = waiting[0];
  if (first === undefined) {
    writing = false;
    for (const done of whenPrinted.splice(0)) done(); // each one, once
    return;
  }
  writing = true;
  // The lines waiting for one output in one write: a busy server gets few writes done.
  let count = 1;
  while (waiting[count]?.fd === first.fd) count++;
  const bytes = Buffer.concat(waiting.splice(0, count).map((line) => line.bytes));
  write(first.fd, bytes, (problem, written) => {
    // A pipe set not to block (by another program) may be full: then try again shortly.
    const full = (problem as { code?: string } | null)?.code === "EAGAIN";
    const gone = problem && !full ? bytes.length : written; // closed (| head): dropped
    waitingBytes -= gone;
    const rest = bytes.subarray(gone); // what the system did not take this time
    if (rest.length > 0) waiting.unshift({ fd: first.fd, bytes: rest });
    if (leftOut > 0 && waitingBytes <= OUTPUT_LIMIT) {
      output(2, `(${leftOut} lines of output left out: the terminal took none.)`);
      leftOut = 0; // said where they were left out, before any line that came later
    }
    if (full) setTimeout(writeNext, RETRY_WAIT);
    else writeNext();
  });
}

/** Settles when every line queued so far has been written. */
export function printed(): Promise<void> {
  return new Promise((done) => {
    if (waiting.length === 0 && !writing) done();
    else whenPrinted.push(done);
  });
}
