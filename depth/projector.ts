// depth/projector.ts: how a client's line becomes rows on the teacher's screen, so that no
// text lands where a name starts. classroom.ts decides whose rows are shown; this says
// what the rows are.
//
// A row is broken on the widest count any terminal may use: terminals differ (an emoji
// with a skin tone takes 2 columns in one and 4 in another, a Devanagari vowel sign 0 or 1,
// U+3248 1 or 2), so a row counted the widest way wraps on none of them. A terminal too
// narrow for a name and some text gets no rows at all (classroom.ts says so): a wrapped row
// would start a screen line with the sender's text. A row ends after a space where it can,
// so that words stay whole (a word longer than half a row is cut). On a terminal, names are
// bold, which a client's text cannot be: visible() shows its escape codes as text.

import { isatty } from "node:tty";

const PLAIN_WIDTH = 80; // columns of a row when standard output is a file or a pipe
export const MIN_TEXT = 20; // columns of text a row needs beside the name
const TAB_WIDTH = 8; // columns a tab may take, at most
const WINDOW_UNITS = 8; // code units of a line looked at for each column of a row
const BOLD = "\x1b[1m"; // the terminal's code for bold, which visible() never lets through
const NOT_BOLD = "\x1b[22m";
// Whether standard output is a terminal. Asked of the system: Bun's process.stdout would
// set a pipe or a file not to block, and server.ts writes to it with write(fd).
const onTerminal = isatty(1);
// Bold names on a terminal, unless NO_COLOR is set (https://no-color.org).
const styled = onTerminal && !process.env.NO_COLOR;
const graphemes = new Intl.Segmenter(); // what a reader sees as one character, emoji whole
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/; // one column each, on every terminal
// Drawn on the character before them: marks, joiners, variation selectors, tags.
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u; // selectors are marks (Mn)

/** A row of a line: its text, escapes shown, and where it starts in the line. */
export type Row = { text: string; start: number };
/** Where a row may end after a space: its text's length, its columns, the line's index. */
type Break = { length: number; width: number; next: number };

/**
 * The rows of a line, `width` columns each at most, worked out only as they are asked for:
 * a window of the line is looked at for each row, no bigger than one row can show (a column
 * takes at most 7 code units: a flag with its tags, 14 for 2 columns). So one endless
 * character (marks piled on a letter, emoji joined by U+200D) costs no more than its rows.
 */
export function* rowsOf(line: string, width: number, visible: (text: string) => string) {
  // Most lines are short, with nothing to escape, wide or a tab: one row, as they are.
  const short = line.length <= width && !line.includes("\t"); // else not escaped whole
  if (short && visible(line) === line && columns(line) <= width) {
    yield { text: line, start: 0 } satisfies Row;
    return;
  }
  let row = ""; // the row so far, escapes shown
  let rowWidth = 0; // its width in columns
  let rowStart = 0; // where its text starts in the line
  let space: Break | undefined; // after the row's last space, if it has one
  for (let from = 0; from < line.length; ) {
    const to = windowEnd(line, from, width);
    const segments = [...graphemes.segment(line.slice(from, to))];
    let next = to; // where the next window starts
    // The window's last character may go on past it: it starts the next window instead
    // (unless it is the only one: a character longer than a window is cut).
    if (to < line.length && segments.length > 1) next = from + segments.pop()!.index;
    for (const { segment, index } of segments) {
      const shown = visible(segment);
      // One character with marks piled on may be many escapes, and a run of Hangul jamo is
      // one character of many wide ones: rows of them, then.
      for (const piece of pieces(shown, width)) {
        const pieceWidth = segment === "\t" ? TAB_WIDTH : columns(piece);
        if (row !== "" && rowWidth + pieceWidth > width) {
          // After the last space, if the word it leaves fits the next row with this piece.
          const whole = { length: row.length, width: rowWidth, next: from + index };
          const fits = space && rowWidth - space.width + pieceWidth <= width;
          const end = fits && space!.width >= width / 2 ? space! : whole;
          yield { text: row.slice(0, end.length), start: rowStart } satisfies Row;
          row = row.slice(end.length);
          rowWidth -= end.width;
          rowStart = end.next;
          space = undefined;
        }
        row += piece;
        rowWidth += pieceWidth;
        if (segment === " ")
          space = { length: row.length, width: rowWidth, next: from + index + 1 };
      }
    }
    from = next;
  }
  if (row !== "") yield { text: row, start: rowStart } satisfies Row;
}

/**
 * Columns a terminal may give text, at most: one for printable ASCII, none for what is drawn
 * on the character before (marks, joiners, selectors), two for anything else.
 */
export function columns(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let sum = 0;
  for (const char of text) {
    if (PRINTABLE_ASCII.test(char)) sum += 1;
    else if (!ZERO_WIDTH.test(char)) sum += 2;
  }
  return sum;
}

/**
 * Where a window of a line for one row ends: never between two halves of a character (the
 * segmenter would take a half for a character of its own, and leave the emoji before it cut
 * short); a character cut in two starts the next window instead (rowsOf()).
 */
function windowEnd(line: string, from: number, width: number): number {
  let to = Math.min(line.length, from + (width + 1) * WINDOW_UNITS);
  const last = line.charCodeAt(to - 1);
  if (to < line.length && last >= 0xd800 && last <= 0xdbff) to--; // a high surrogate
  return to;
}

/** A character's text (escapes shown) in pieces of `width` columns at most; mostly one. */
function* pieces(shown: string, width: number): Generator<string> {
  if (columns(shown) <= width) {
    yield shown;
    return;
  }
  let piece = "";
  let used = 0; // its columns
  for (const char of shown) {
    const needs = columns(char);
    if (piece !== "" && used + needs > width) {
      yield piece;
      piece = "";
      used = 0;
    }
    piece += char;
    used += needs;
  }
  if (piece !== "") yield piece;
}

/** A client's name as the projector shows it: bold on a terminal. */
export function label(name: string): string {
  if (styled) return BOLD + name + NOT_BOLD;
  return name;
}

/** Columns of standard output: the terminal's, or PLAIN_WIDTH for a file or a pipe. */
export function terminalWidth(): number {
  if (onTerminal && process.stdout.columns > 0) return process.stdout.columns;
  return PLAIN_WIDTH;
}
