// depth/classroom.ts: the rules that keep a class fair; depth/class-server.ts uses them.
// Nobody holds the room: when it is full, a newcomer takes the place of a connection that
// has sent nothing yet, or that drips (a byte or two at a time, again and again, from any
// address), or of the longest-silent one of an address holding far more places.
// Nobody drowns the projector: each connection, and each address, shows a burst of rows,
// then a few a second (connecting again does not start afresh: shares.ts); what is held
// back is counted on standard error, naming the sender.
// Nobody forges a name: a long line is broken into rows, each named (projector.ts), and
// standard error has one budget for all its lines (notes.ts).

import type { Socket } from "bun";
import { Notes } from "./notes.ts";
import { label, MIN_TEXT, rowsOf, terminalWidth } from "./projector.ts";
import { type Budget, KeptShares, refill } from "./shares.ts";

type Client = { name: string; address: string }; // what server.ts keeps that we use here
/** What server.ts hands over: its clients, its limit, and how it prints. */
type Server = {
  clients: Set<Socket<Client>>; // the clients being served now, oldest first
  maxClients: number; // --max-clients
  print: (line: string) => void; // a line on standard output, in turn
  output: (fd: number, line: string) => void; // a line on standard error (2), in turn
  visible: (text: string) => string; // text with its hidden characters as escapes
};
/** What the class room keeps for each connection. */
type Seat = {
  spoke: number; // when it last sent something (performance.now()); 0: never
  drips: number; // its chunks in a row of a few bytes each, as a dripping script sends
  budget: Budget; // its share of the projector
  heldAt: number; // when some of its text was last held back (performance.now()); 0: never
  heldBytes: number; // of its text held back since the last report
  heldLines: number; // lines of its text held back since the last report
  midLine: boolean; // the last text held back ended in the middle of a line
  report?: Timer; // the report of what was held back, due REPORT_AFTER after the first
};

const BURST = 20; // rows a connection may show at once: a pasted paragraph
const RATE = 2; // rows a second after that, for each connection
const ADDRESS_BURST = 1000; // rows an address may show at once: a lab of 60 pasting 15 each
const ADDRESS_RATE = 10; // rows a second after that, shared by an address's connections
const ALL_BURST = 1000; // rows the whole class may show at once
const ALL_RATE = 20; // rows a second after that, for everyone together: a readable screen
const JOIN_BURST = 100; // "Connection from" rows an address may show at once: a lab joining
const JOIN_RATE = 1; // a second after that: one who connects again and again pays for it
const REPORT_AFTER = 5000; // ms from the first row held back to the line that counts them
const QUIET_RESERVE = 10; // rows of the class's share kept for those with nothing held back
const KEPT_SHARES = 100; // shares of connections gone, kept for each address, at most
const DRIP_BYTES = 4; // a chunk this short, or shorter, is a drip ("y", "ok" from a person)
const DRIPS = 10; // chunks in a row that make a connection a dripper: a person says more
const DRIP_GONE = 10_000; // ms after its last chunk that a connection is no longer dripping

/** The class room: who gets a place, and each one's share of the projector. */
export class Classroom {
  private seats = new WeakMap<Socket<Client>, Seat>(); // each client's share and record
  private addresses = new Map<string, Budget>(); // each address's share of the projector
  // Flooders' shares not earned back yet, for their addresses' newcomers (shares.ts).
  private spent = new KeptShares(BURST, RATE, KEPT_SHARES);
  private all: Budget = { rows: ALL_BURST, at: performance.now() }; // the whole class's
  // Each address's share of "Connection from" rows, apart from its text's: one who
  // connects and closes in a loop spends this one, not what its classmates need.
  private joins = new Map<string, Budget>();
  private notes: Notes; // standard error, within its budget
  private narrow = 0; // the width of a terminal too narrow for rows, once it is said

  constructor(private server: Server) {
    this.notes = new Notes(server.output);
  }

  /**
   * The room is full: closes one connection to make room for the newcomer, if that is fair.
   * First the oldest that never sent anything, of the address that holds the most places;
   * else one that drips, from any address (10 chunks in a row of 4 bytes at most, the last
   * within 10 s: what a script sends to keep a place, not what a person types); else, if
   * that address holds at least 2 more places than the newcomer's, its longest silent one.
   * Otherwise (a room of people who all spoke) nobody: false.
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
    // A crowd of scripts, from as many addresses as it likes, sending a byte at a time to
    // keep its places: any of them gives way, the one that has dripped longest first.
    let dripper: Socket<Client> | undefined;
    for (const client of this.server.clients) {
      if (this.drips(client) > (dripper ? this.drips(dripper) : 0)) dripper = client;
    }
    if (dripper) return this.replace(dripper, newcomer, "sent a byte or two at a time");
    if (most.length < mine.length + 2) return false; // a swap would make it no fairer
    let quietest = most[0]!; // "!": the room is full, so it holds someone
    for (const client of most) {
      if (this.seat(client).spoke < this.seat(quietest).spoke) quietest = client;
    }
    return this.replace(quietest, newcomer, "was silent longest, of an address holding many");
  }

  /**
   * Step 6 in a class: "Connection from : " and the name, within the address's share of
   * such rows (its text's share is left whole) and the class's.
   */
  announce(conn: Socket<Client>): void {
    this.seat(conn); // its share of the projector is its own from the moment it connects
    const line = `Connection from : ${conn.data.name}`;
    if (this.takeJoin(conn)) this.server.print(`Connection from : ${label(conn.data.name)}`);
    else this.hold(conn, [line], true);
  }

  /** A client's text: each line under its name, in rows of the terminal's width, in turn. */
  async show(conn: Socket<Client>, text: string): Promise<void> {
    const seat = this.seat(conn);
    seat.spoke = performance.now();
    seat.drips = text.length <= DRIP_BYTES ? seat.drips + 1 : 0; // a message ends a drip
    const lines = text.split(/\n+/); // in a class, blank lines say nothing
    for (const [n, line] of lines.entries()) {
      const shown = this.showRows(conn, line);
      if (shown < line.length) {
        this.hold(conn, [line.slice(shown), ...lines.slice(n + 1)], text.endsWith("\n"));
        return; // its share is used up, for this chunk at least
      }
    }
  }

  /** How long a connection has been dripping, in chunks: 0 if it is not (any more). */
  private drips(conn: Socket<Client>): number {
    const seat = this.seat(conn);
    const lately = performance.now() - seat.spoke < DRIP_GONE;
    return seat.drips >= DRIPS && lately ? seat.drips : 0;
  }

  /** A line on standard error, within its budget (notes.ts). */
  note(kind: string, line: string): void {
    this.notes.note(kind, line);
  }

  /** Whether some of a connection's text was held back from the projector lately. */
  holdsBack(conn: Socket<Client>): boolean {
    const heldAt = this.seat(conn).heldAt;
    return heldAt > 0 && performance.now() - heldAt < REPORT_AFTER;
  }

  /** A client has left (`left`: how, if it was in the room): say so, and what was held back. */
  leave(conn: Socket<Client>, left: string): void {
    const connected = `${this.server.clients.size} connected`;
    if (left !== "") this.note("clients leaving", `${conn.data.name} ${left}; ${connected}.`);
    this.report(conn);
    this.keepSpent(conn);
    const same = (client: Socket<Client>) => client.data.address === conn.data.address;
    const others = [...this.server.clients].some((client) => client !== conn && same(client));
    const address = this.addresses.get(conn.data.address);
    if (address && !others) {
      refill(address, ADDRESS_BURST, ADDRESS_RATE);
      if (address.rows >= ADDRESS_BURST) this.addresses.delete(conn.data.address); // unused
    }
    const joins = this.joins.get(conn.data.address);
    if (joins && !others) {
      refill(joins, JOIN_BURST, JOIN_RATE);
      if (joins.rows >= JOIN_BURST) this.joins.delete(conn.data.address); // earned back
    }
  }

  /** The connection's record, made when it is first asked for. */
  private seat(conn: Socket<Client>): Seat {
    let seat = this.seats.get(conn);
    if (seat === undefined) {
      const budget = this.spent.take(conn.data.address) ?? { rows: BURST, at: performance.now() };
      const held = { heldAt: 0, heldBytes: 0, heldLines: 0, midLine: false };
      seat = { spoke: 0, drips: 0, budget, ...held };
      this.seats.set(conn, seat);
    }
    return seat;
  }

  /** Keeps the share of a flooder (text held back lately) that leaves; others start afresh. */
  private keepSpent(conn: Socket<Client>): void {
    const budget = this.seats.get(conn)?.budget;
    if (budget !== undefined && this.holdsBack(conn)) this.spent.keep(conn.data.address, budget);
  }

  /** Closes an old connection, telling it why, to give its place to a newcomer. */
  private replace(old: Socket<Client>, newcomer: Socket<Client>, why: string): true {
    this.server.clients.delete(old); // at once: the room never holds more than its limit
    // Two rows: with two addresses and their ports, one would pass 80 columns.
    const made = `Closed ${old.data.name} to make room for ${newcomer.data.name}:\n  it ${why}.`;
    this.note("connections closed to make room", made);
    old.end(`The server is full: your place went to a newcomer, as yours ${why}.`);
    return true;
  }

  /** Prints as many rows of one line as the sender's share allows; how much was shown. */
  private showRows(conn: Socket<Client>, line: string): number {
    const name = label(conn.data.name) + ": "; // at the start of each row
    const width = terminalWidth() - conn.data.name.length - 2; // for text
    if (line === "") return 0; // nothing to show
    if (width < MIN_TEXT) return this.tooNarrow(conn.data.name.length + 2 + MIN_TEXT);
    // The share first, the work after: rows are worked out only while it lasts.
    for (const row of rowsOf(line, width, this.server.visible)) {
      if (!this.take(conn)) return row.start;
      this.server.print(name + row.text);
    }
    return line.length;
  }

  /** A terminal too narrow for a name and its text: no rows (they would wrap), and why. */
  private tooNarrow(needed: number): 0 {
    const width = terminalWidth();
    if (this.narrow !== width) {
      this.narrow = width;
      const why = `The terminal is ${width} columns wide: rows need ${needed}.`;
      this.note("a narrow terminal", `${why} Widen it to see the class's text.`);
    }
    return 0;
  }

  /** Takes one row of the projector for a connection, if it, its address and the class have one. */
  private take(conn: Socket<Client>): boolean {
    if (this.rowsLeft(conn) < 1) return false;
    this.seat(conn).budget.rows--;
    this.addressBudget(conn).rows--;
    this.all.rows--;
    return true;
  }

  /** Takes one "Connection from" row, if the address's share of them and the class's allow. */
  private takeJoin(conn: Socket<Client>): boolean {
    const joins = this.joins.get(conn.data.address) ?? { rows: JOIN_BURST, at: performance.now() };
    refill(joins, JOIN_BURST, JOIN_RATE);
    refill(this.all, ALL_BURST, ALL_RATE);
    const reserve = joins.rows < JOIN_BURST / 2 ? QUIET_RESERVE : 0; // as rowsLeft() keeps
    if (joins.rows < 1 || this.all.rows - reserve < 1) return false;
    joins.rows--;
    this.all.rows--;
    this.joins.set(conn.data.address, joins); // (an address at its full share is not kept)
    return true;
  }

  /** Rows a connection may show now: its own share, its address's and the class's, refilled. */
  private rowsLeft(conn: Socket<Client>): number {
    const own = this.seat(conn).budget;
    const address = this.addressBudget(conn);
    refill(own, BURST, RATE);
    refill(address, ADDRESS_BURST, ADDRESS_RATE);
    refill(this.all, ALL_BURST, ALL_RATE);
    // A connection with text held back, of an address that used half its share, or that
    // drips, leaves the class's last rows to the others: else a crowd keeps the class's
    // share empty, and a quiet student's line is held back too.
    const heavy = this.holdsBack(conn) || address.rows < ADDRESS_BURST / 2 || this.drips(conn) > 0;
    const reserve = heavy ? QUIET_RESERVE : 0;
    return Math.min(own.rows, address.rows, this.all.rows - reserve);
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
  private hold(conn: Socket<Client>, parts: string[], endsLine: boolean): void {
    const seat = this.seat(conn);
    seat.heldAt = performance.now();
    for (const [n, part] of parts.entries()) {
      seat.heldBytes += Buffer.byteLength(part);
      // A line that goes on from the text held back before is counted once.
      const goesOn = n === 0 && seat.midLine;
      if (part !== "" && !goesOn) seat.heldLines++;
    }
    seat.midLine = !endsLine;
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
    const what = `${conn.data.name}: ${bytes} bytes in ${lines} line${lines === "1" ? "" : "s"}`;
    this.note("held-back counts", `${what} held back from the projector.`);
    seat.heldBytes = 0;
    seat.heldLines = 0;
  }
}
