// depth/rows.ts: a message as rows within 80 columns, a projector's and a student's
// terminal. A line that names what was typed (an address, a name) can be longer: it is
// broken at its last space before the 80th column, and the rest goes on the next row.

const WIDTH = 80;

/** The text with each line longer than 80 columns broken at spaces into rows. */
export function within80(text: string): string {
  return text.split("\n").map(rowsOfLine).join("\n");
}

/** One line as rows: where it breaks, the space goes; a word over 80 is a row of its own. */
function rowsOfLine(line: string): string {
  const rows: string[] = [];
  let rest = line;
  while (rest.length > WIDTH) {
    const before = rest.lastIndexOf(" ", WIDTH);
    const space = before > 0 ? before : rest.indexOf(" ", WIDTH); // after a long word
    if (space <= 0) break; // one word to the end: nowhere to break it
    rows.push(rest.slice(0, space));
    rest = rest.slice(space + 1);
  }
  rows.push(rest);
  return rows.join("\n");
}
