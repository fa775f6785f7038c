// depth/classroom.ts: the rules that keep a class fair; depth/class-server.ts uses them.
// Nobody holds the room: when it is full, a newcomer takes the place of a connection that
// has sent nothing yet, or of the longest-silent one of an address holding far more places.
// Nobody drowns the projector: each connection, and each address, shows a burst of rows,
// then a few a second; what is held back is counted on standard error, naming the sender.
// Nobody forges a name: a long line is broken at the terminal's width, each row named, and
// on a terminal names are bold, which a client's text cannot be (its escape codes show).

import { isatty } from "node:tty";
import type { Socket } from "bun";

type Client = { name: string; address: string }; // what server.ts keeps that we use here
/** What server.ts hands over: its clients, its limit, and how it prints. */
type Server = {
  clients: Set<Socket<Client>>; // the clients being served now, oldest first
  maxClients: number; // --max-clients
  print: (line: string) => void; // a line on standard output, in turn
  output: (fd: number, line: string) => void; // a line on standard error (2), in turn
  visible: (text: string) => string; // text with its hidden characters as escapes
};
type Budget = { rows: number; at: number }; // rows it may show now, worked out at this time
/** What the class room keeps for each connection. */
type Seat = {
  spoke: number; // when it last sent something (performance.now()); 0: never
  budget: Budget; // its share of the projector
  heldBytes: number; // of its text held back since the last report
  heldLines: number; // lines of its text held back since the last report
  report?: Timer; // the report of what was held back, due REPORT_AFTER after the first
};

const BURST = 20; // rows a connection may show at once: a pasted paragraph
const RATE = 2; // rows a second after that, for each connection
const ADDRESS_BURST = 1000; // rows an address may show at once: a lab of 60 pasting 15 each
const ADDRESS_RATE = 10; // rows a second after that, shared by an address's connections
const REPORT_AFTER = 5000; // ms from the first row held back to the line that counts them
const NOTES_PER_SECOND = 20; // lines of one kind on standard error; the rest are counted
const PLAIN_WIDTH = 80; // columns of a row when standard output is a file or a pipe
const MIN_TEXT = 20; // columns of text on a row, however narrow the terminal
const TAB_WIDTH = 8; // columns a tab may take, at most
const WINDOW_UNITS = 8; // code units of a line looked at for each column a sender may fill
const BOLD = "\x1b[1m"; // the terminal's code for bold, which visible() never lets through
const NOT_BOLD = "\x1b[22m";
// Whether standard output is a terminal. Asked of the system: Bun's process.stdout would
// set a pipe or a file not to block, and server.ts writes to it with write(fd).
const onTerminal = isatty(1);
// Bold names on a terminal, unless NO_COLOR is set (https://no-color.org).
const styled = onTerminal && !process.env.NO_COLOR;
const graphemes = new Intl.Segmenter(); // what a reader sees as one character, emoji whole

/** The class room: who gets a place, and each one's share of the projector. */
export class Classroom {
  private seats = new WeakMap<Socket<Client>, Seat>(); // each client's share and record
  private addresses = new Map<string, Budget>(); // each address's share of the projector
  private noted = new Map<string, { second: number; count: number }>(); // lines of each kind

  constructor(private server: Server) {}

  /**
   * The room is full: closes one connection to make room for the newcomer, if that is fair.
   * First the oldest that never sent anything, of the address that holds the most places;
   * else, if that address holds at least 2 more places than the newcomer's, its longest
   * silent one. Otherwise (a room of one address whose clients all spoke) nobody: false.
   */
  makeRoom(newcomer: Socket<Client>): boolean {
    const places = new Map<string, Socket<Client>[]>(); // each address's clients, oldest first
    for (const client of this.server.clients) {
      const ofAddress = places.get(client.data.address) ?? [];
      ofAddress.push(client);
      places.set(client.data.address, ofAddress);
    }
    const mine = places.get(newcomer.data.address) ?? [];
    let most = mine; // a tie goes to the newcomer's own address
    for (const ofAddress of places.values()) {
      if (ofAddress.length > most.length) most = ofAddress;
    }
    const silent = most.find((client) => this.seat(client).spoke === 0);
    if (silent) return this.replace(silent, newcomer, "had sent nothing yet");
    if (most.length < mine.length + 2) return false; // a swap would make it no fairer
    let quietest = most[0]!; // "!": the room is full, so it holds someone
    for (const client of most) {
      if (this.seat(client).spoke < this.seat(quietest).spoke) quietest = client;
    }
    return this.replace(quietest, newcomer, "was silent longest, of an address holding many");
  }

  /** Step 6 in a class: "Connection from : " and the name, within the address's share. */
  announce(conn: Socket<Client>): void {
    const line = `Connection from : ${conn.data.name}`;
    if (this.take(conn)) this.server.print(`Connection from : ${label(conn.data.name)}`);
    else this.hold(conn, [line]);
  }

  /** A client's text: each line under its name, in rows of the terminal's width, in turn. */
  async show(conn: Socket<Client>, text: string): Promise<void> {
    this.seat(conn).spoke = performance.now();
    const lines = text.split(/\n+/); // in a class, blank lines say nothing
    for (const [n, line] of lines.entries()) {
      const shown = this.showRows(conn, line);
      if (shown < line.length) {
        this.hold(conn, [line.slice(shown), ...lines.slice(n + 1)]);
        return; // its share is used up, for this chunk at least
      }
    }
  }

  /** A line on standard error; of one kind, 20 a second at most, and then how many more. */
  note(kind: string, line: string): void {
    const second = Math.floor(performance.now() / 1000);
    let tally = this.noted.get(kind);
    if (tally === undefined || tally.second !== second) {
      tally = { second, count: 0 };
      this.noted.set(kind, tally);
    }
    tally.count++;
    if (tally.count <= NOTES_PER_SECOND) this.server.output(2, line);
    if (tally.count !== NOTES_PER_SECOND + 1) return;
    // The first line left out this second: a second later, say how many were.
    setTimeout(() => {
      const more = tally.count - NOTES_PER_SECOND;
      const counted = `(and ${more} more lines of ${kind} in that second, not printed)`;
      this.server.output(2, counted);
    }, 1000);
  }

  /** A client has left (`left`: how, if it was in the room): say so, and what was held back. */
  leave(conn: Socket<Client>, left: string): void {
    const connected = `${this.server.clients.size} connected`;
    if (left !== "") this.note("clients leaving", `${conn.data.name} ${left}; ${connected}.`);
    this.report(conn);
    const same = (client: Socket<Client>) => client.data.address === conn.data.address;
    const others = [...this.server.clients].some((client) => client !== conn && same(client));
    const address = this.addresses.get(conn.data.address);
    if (address && !others) {
      refill(address, ADDRESS_BURST, ADDRESS_RATE);
      if (address.rows >= ADDRESS_BURST) this.addresses.delete(conn.data.address); // unused
    }
  }

  /** The connection's record, made when it is first asked for. */
  private seat(conn: Socket<Client>): Seat {
    let seat = this.seats.get(conn);
    if (seat === undefined) {
      const budget = { rows: BURST, at: performance.now() };
      seat = { spoke: 0, budget, heldBytes: 0, heldLines: 0 };
      this.seats.set(conn, seat);
    }
    return seat;
  }

  /** Closes an old connection, telling it why, to give its place to a newcomer. */
  private replace(old: Socket<Client>, newcomer: Socket<Client>, why: string): true {
    this.server.clients.delete(old); // at once: the room never holds more than its limit
    const made = `Closed ${old.data.name} to make room for ${newcomer.data.name}: it ${why}.`;
    this.note("connections closed to make room", made);
    old.end(`The server is full: your place went to a newcomer, as yours ${why}.`);
    return true;
  }

  /** Prints as many rows of one line as the sender's share allows; how much was shown. */
  private showRows(conn: Socket<Client>, line: string): number {
    const name = label(conn.data.name) + ": "; // at the start of each row
    const width = Math.max(terminalWidth() - conn.data.name.length - 2, MIN_TEXT); // for text
    if (line === "") return 0; // nothing to show
    // Most lines are short, with nothing to escape, wide or a tab: one row, as they are.
    const short = line.length <= width && !line.includes("\t"); // a long line: not escaped whole
    if (short && this.server.visible(line) === line && Bun.stringWidth(line) <= width) {
      if (!this.take(conn)) return 0;
      this.server.print(name + line);
      return line.length;
    }
    let row = ""; // the row so far, escapes shown
    let rowWidth = 0; // its width in columns
    let rowStart = 0; // where its text starts in the line
    // The share first, the work after: a window of the line is looked at only while rows
    // are left, and no bigger than they can show (one character of endless marks or
    // joiners costs no more than the rows it may fill).
    for (let from = 0, to = 0; from < line.length; from = to) {
      const rows = this.rowsLeft(conn);
      if (rows < 1) return rowStart;
      to = windowEnd(line, from, rows * width);
      for (const { segment, index } of graphemes.segment(line.slice(from, to))) {
        const shown = this.server.visible(segment);
        // One character with marks piled on may be many escapes: rows of them, then.
        for (let at = 0; at < shown.length; at += width) {
          const piece = shown.slice(at, at + width);
          let pieceWidth = Bun.stringWidth(piece);
          if (segment === "\t") pieceWidth = TAB_WIDTH;
          if (row !== "" && rowWidth + pieceWidth > width) {
            if (!this.take(conn)) return rowStart;
            this.server.print(name + row);
            row = "";
            rowWidth = 0;
            rowStart = from + index;
          }
          row += piece;
          rowWidth += pieceWidth;
        }
      }
    }
    if (!this.take(conn)) return rowStart;
    this.server.print(name + row);
    return line.length;
  }

  /** Takes one row of the projector for a connection, if it and its address have one. */
  private take(conn: Socket<Client>): boolean {
    if (this.rowsLeft(conn) < 1) return false;
    this.seat(conn).budget.rows--;
    this.addressBudget(conn).rows--;
    return true;
  }

  /** Rows a connection may show now: its own share, and its address's, refilled. */
  private rowsLeft(conn: Socket<Client>): number {
    const own = this.seat(conn).budget;
    const address = this.addressBudget(conn);
    refill(own, BURST, RATE);
    refill(address, ADDRESS_BURST, ADDRESS_RATE);
    return Math.min(own.rows, address.rows);
  }

  /** The share of the projector of a connection's address, made when first asked for. */
  private addressBudget(conn: Socket<Client>): Budget {
    let address = this.addresses.get(conn.data.address);
    if (address === undefined) {
      address = { rows: ADDRESS_BURST, at: performance.now() };
      this.addresses.set(conn.data.address, address);
    }
    return address;
  }

  /** Counts text held back from the projector; a line says so within REPORT_AFTER. */
  private hold(conn: Socket<Client>, parts: string[]): void {
    const seat = this.seat(conn);
    for (const part of parts) {
      seat.heldBytes += Buffer.byteLength(part);
      if (part !== "") seat.heldLines++;
    }
    if (seat.report === undefined) {
      seat.report = setTimeout(() => this.report(conn), REPORT_AFTER);
    }
  }

  /** One line on standard error: how much of a client's text the projector left out. */
  private report(conn: Socket<Client>): void {
    const seat = this.seats.get(conn);
    if (seat === undefined) return;
    clearTimeout(seat.report);
    seat.report = undefined;
    if (seat.heldBytes === 0) return;
    const bytes = seat.heldBytes.toLocaleString("en-US");
    const lines = seat.heldLines.toLocaleString("en-US");
    const what = `${conn.data.name}: ${bytes} bytes in ${lines} lines`;
    this.note("held-back counts", `${what} held back from the projector.`);
    seat.heldBytes = 0;
    seat.heldLines = 0;
  }
}

/**
 * Where a window of a line ends that `columns` can show at most: a shown column takes at
 * at most 7 code units (a flag with its tags: 14 for 2 columns), and a window never ends
 * between the two halves of a character outside the first plane.
 */
function windowEnd(line: string, from: number, columns: number): number {
  let to = Math.min(line.length, from + columns * WINDOW_UNITS + WINDOW_UNITS);
  const last = line.charCodeAt(to - 1);
  if (to < line.length && last >= 0xd800 && last <= 0xdbff) to--; // a high surrogate
  return to;
}
/** Adds the rows a budget has earned since it was last worked out, up to its most. */
function refill(budget: Budget, most: number, perSecond: number): void {
  const now = performance.now();
  budget.rows = Math.min(most, budget.rows + ((now - budget.at) / 1000) * perSecond);
  budget.at = now;
}
/** A client's name as the projector shows it: bold on a terminal. */
function label(name: string): string {
  if (styled) return BOLD + name + NOT_BOLD;
  return name;
}
/** Columns of standard output: the terminal's, or PLAIN_WIDTH for a file or a pipe. */
function terminalWidth(): number {
  if (onTerminal && process.stdout.columns > 0) return process.stdout.columns;
  return PLAIN_WIDTH;
}
