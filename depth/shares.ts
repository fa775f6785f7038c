// depth/shares.ts: shares of the projector, as classroom.ts keeps them: a share is a number
// of rows that refills at a rate up to its most; and the shares that connections which left
// had not earned back yet, kept for each address, so that one who connects again and again
// to flood pays for it, not its classmates behind the same address.

/** Rows a share may show now, worked out at this time (performance.now()). */
export type Budget = { rows: number; at: number };

/** Adds the rows a budget has earned since it was last worked out, up to its most. */
export function refill(budget: Budget, most: number, perSecond: number): void {
  const now = performance.now();
  budget.rows = Math.min(most, budget.rows + ((now - budget.at) / 1000) * perSecond);
  budget.at = now;
}

/** Shares of connections gone, kept for each address until they are earned back. */
export class KeptShares {
  private kept = new Map<string, Budget[]>();

  /** Shares refill to `most`, `perSecond`; an address keeps `limit` of them at most. */
  constructor(
    private most: number,
    private perSecond: number,
    private limit: number,
  ) {}

  /** Keeps the share of a connection that leaves, if it has not earned it all back. */
  keep(address: string, budget: Budget): void {
    const kept = this.unspent(address);
    refill(budget, this.most, this.perSecond);
    if (budget.rows < this.most) kept.push(budget);
    if (kept.length > this.limit) kept.shift(); // the oldest has earned the most back
    if (kept.length > 0) this.kept.set(address, kept);
  }

  /** The emptiest share kept for a newcomer's address, if one is not earned back yet. */
  take(address: string): Budget | undefined {
    const kept = this.unspent(address);
    kept.sort((a, b) => a.rows - b.rows);
    const emptiest = kept.shift();
    if (kept.length > 0) this.kept.set(address, kept);
    return emptiest;
  }

  /** An address's kept shares that are not earned back yet; forgets the address's others. */
  private unspent(address: string): Budget[] {
    const kept = this.kept.get(address) ?? [];
    this.kept.delete(address);
    for (const budget of kept) refill(budget, this.most, this.perSecond);
    return kept.filter((budget) => budget.rows < this.most);
  }
}
