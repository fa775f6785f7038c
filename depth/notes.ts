// depth/notes.ts: the teacher's standard error in a class, with one budget for every line.
// Comings and goings, resets, turn-aways, held-back counts: whatever a class does, at most
// NOTES_PER_SECOND lines a second reach the terminal, and a second later one line counts
// the rest, kind by kind. A line of a kind that must not be lost (the server stopping) is
// always written.

import { within80 } from "./rows.ts";

const NOTES_PER_SECOND = 20; // lines a second on standard error, all kinds together
const ALWAYS = new Set(["stopping"]); // kinds of line never left out

/** Lines on standard error, 20 a second at most, and how many more there were. */
export class Notes {
  private second = -1; // the second being counted (whole seconds of performance.now())
  private written = 0; // lines written in it
  private left = new Map<string, number>(); // lines left out in it, by kind

  constructor(private output: (fd: number, line: string) => void) {}

  /** A line on standard error, if this second's budget has room for it. */
  note(kind: string, line: string): void {
    const second = Math.floor(performance.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.written = 0;
      this.left = new Map();
    }
    if (this.written < NOTES_PER_SECOND || ALWAYS.has(kind)) {
      this.written++;
      this.output(2, within80(line)); // two IPv6 addresses make a long line
      return;
    }
    const left = this.left; // this second's count, whatever second it is when it is told
    if (left.size === 0) setTimeout(() => this.count(left), 1000);
    left.set(kind, (left.get(kind) ?? 0) + 1);
  }

  /** One line, in rows of 80 columns: how many lines of each kind were left out in a
   * second. A row ends between kinds, never inside one. */
  private count(left: Map<string, number>): void {
    const kinds = [...left].map(([kind, n]) => `${n.toLocaleString("en-US")} of ${kind}`);
    const total = [...left.values()].reduce((sum, n) => sum + n, 0);
    const more = total.toLocaleString("en-US");
    const rows = [`(and ${more} more lines in that second, not printed:`];
    kinds.forEach((kind, i) => {
      const piece = i === kinds.length - 1 ? `${kind})` : `${kind},`;
      const row = `${rows.at(-1)} ${piece}`;
      if (row.length <= 80) rows[rows.length - 1] = row;
      else rows.push(`  ${piece}`);
    });
    this.output(2, rows.join("\n"));
  }
}
