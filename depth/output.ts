// depth/output.ts: the class server's output, written without blocking. console.log()
// waits for the terminal, so Ctrl-S (or a Windows selection, or a full pipe) would stop
// every student; here the lines wait in memory, 1 MiB at most for each output, written by
// fs.write() in another thread. Standard output and standard error each have their own
// queue, in order: a stopped output never holds the other back (standard error to a file
// still gets "Stopped by SIGTERM." while the terminal is stopped). Past 1 MiB lines are
// counted, and one line says how many were left out as soon as the queue is back under it.

import { write } from "node:fs";

const OUTPUT_LIMIT = 2 ** 20; // bytes that wait for one output, at most
const RETRY_WAIT = 10; // ms before writing again to a full pipe that does not wait

/** One output's queue: the lines that wait for it, oldest first. */
type Queue = {
  fd: number; // 1: standard output, 2: standard error
  waiting: Uint8Array[];
  waitingBytes: number; // their total
  writing: boolean; // whether a write is under way
  leftOut: number; // lines left out while too much was waiting
};
const queues = new Map<number, Queue>();
const whenPrinted: (() => void)[] = []; // who waits until all output is out

/** A line on standard output, in turn. */
export function print(line: string): void {
  output(1, line);
}

/** Queues a line for standard output (1) or error (2). */
export function output(fd: number, line: string): void {
  const queue = queueOf(fd);
  if (queue.waitingBytes > OUTPUT_LIMIT) {
    queue.leftOut++; // 1 MiB waits already: this line is only counted
    return;
  }
  const bytes = Buffer.from(line + "\n");
  queue.waiting.push(bytes);
  queue.waitingBytes += bytes.length;
  if (!queue.writing) writeNext(queue); // otherwise the write under way goes on with it
}

/** An output's queue, made when first asked for. */
function queueOf(fd: number): Queue {
  let queue = queues.get(fd);
  if (queue === undefined) {
    queue = { fd, waiting: [], waitingBytes: 0, writing: false, leftOut: 0 };
    queues.set(fd, queue);
  }
  return queue;
}

/** Writes what waits for one output, oldest first; when all is out, tells printed(). */
function writeNext(queue: Queue): void {
  if (queue.waiting.length === 0) {
    queue.writing = false;
    if (everythingOut()) for (const done of whenPrinted.splice(0)) done(); // each once
    return;
  }
  queue.writing = true;
  // The lines waiting in one write: a busy server gets few writes done.
  const bytes = Buffer.concat(queue.waiting.splice(0));
  write(queue.fd, bytes, (problem, written) => {
    // A pipe set not to block (by another program) may be full: then try again shortly.
    const full = (problem as { code?: string } | null)?.code === "EAGAIN";
    const gone = problem && !full ? bytes.length : written; // closed (| head): dropped
    queue.waitingBytes -= gone;
    const rest = bytes.subarray(gone); // what the system did not take this time
    if (rest.length > 0) queue.waiting.unshift(rest);
    if (queue.leftOut > 0 && queue.waitingBytes <= OUTPUT_LIMIT) {
      const counted = `(${queue.leftOut} lines of output left out: the terminal took none.)`;
      queue.leftOut = 0; // said where they were left out, before any line that came later
      output(2, counted); // standard output is the tutorial's: the count goes to error
    }
    if (full) setTimeout(() => writeNext(queue), RETRY_WAIT);
    else writeNext(queue);
  });
}

/** Whether every queue is empty, with no write under way. */
function everythingOut(): boolean {
  return [...queues.values()].every((queue) => queue.waiting.length === 0 && !queue.writing);
}

/** Settles when every line queued so far has been written. */
export function printed(): Promise<void> {
  return new Promise((done) => {
    if (everythingOut()) done();
    else whenPrinted.push(done);
  });
}
