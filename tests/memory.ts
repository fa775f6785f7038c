// A process's own peak memory, for the tests and for bench/run.ts alike.

import { readFileSync } from "node:fs";
import type { Subprocess } from "bun";

/**
 * A process's own peak memory in bytes (VmHWM), sampled every 10 ms until it ends; Linux
 * only. (resourceUsage().maxRSS will not do: Linux counts the parent's peak in a child's.)
 */
export function watchMemory(proc: Subprocess): () => number {
  let peak = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${proc.pid}/status`, "utf8");
      peak = Math.max(peak, Number(status.match(/VmHWM:\s+(\d+) kB/)?.[1] ?? 0) * 1024);
    } catch {} // it has ended
  };
  const timer = setInterval(sample, 10);
  proc.exited.then(() => clearInterval(timer));
  sample();
  return () => peak;
}
