// depth/rows.ts: a message as rows within 80 columns, a projector's and a student's
// terminal. A line that names what was typed (an address, a name) can be longer: it is
// broken at its last space before the 80th column, and the rest goes on the next row.

const WIDTH = 80;

/** The text with each line longer than 80 columns broken at spaces into rows. */
export function within80(text: string): string {
  return text.split("\n").map(rowsOfLine).join("\n");
}

/** One line as rows: where it breaks, the space goes; a word over 80 stays whole. */
function rowsOfLine(line: string): string {
  const rows: string[] = [];
  let rest = line;
  while (rest.length > WIDTH) {
    const space = rest.lastIndexOf(" ", WIDTH);
    if (space <= 0) break; // one word wider than a row: nowhere to break it
    rows.push(rest.slice(0, space));
    rest = rest.slice(space + 1);
  }
  rows.push(rest);
  return rows.join("\n");
}
