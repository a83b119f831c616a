/** Called as a statement is sent; what it returns is called once the statement settles. */
export type StatementHook = (sql: string) => (error?: unknown) => void;

/**
 * What a database's statements are doing now, counted where HAL sends them (bind.ts): read by
 * the metrics at scrape time, so the hot path only adds and subtracts. Neither postgres.js nor
 * PGlite says how busy its connections are; a transaction holds one connection for its whole
 * life, a statement outside one holds one while it runs.
 */
export class DatabaseActivity {
  /** Statements sent and not settled (inside transactions or not). */
  statements = 0;
  /** Of them, the ones outside a transaction. */
  standalone = 0;
  /** Transactions begun and not settled. */
  transactions = 0;
  /** Statements sent since start. */
  sent = 0;
  /** Set while tracing: a span per statement (see apps/auth-server/src/observe/tracing.ts). */
  hook: StatementHook | undefined;

  constructor(
    /** How many connections the engine has: postgres.js's pool size, 1 for PGlite. */
    readonly poolSize: number,
  ) {}

  /** Connections in use and statements queued for one, as far as HAL's own counts tell. */
  pool(): { inUse: number; waiting: number } {
    const wanted = this.transactions + this.standalone;
    return { inUse: Math.min(wanted, this.poolSize), waiting: Math.max(0, wanted - this.poolSize) };
  }

  /** Counts `query` (just sent) in flight until it settles. */
  statement<Q extends Promise<unknown>>(sql: string, inTransaction: boolean, query: Q): Q {
    this.sent++;
    this.statements++;
    if (!inTransaction) this.standalone++;
    // Handlers made once: untraced, a statement allocates nothing here.
    const settled = inTransaction ? this.#settledInTransaction : this.#settled;
    const end = this.hook?.(sql);
    if (!end) {
      query.then(settled, settled);
      return query;
    }
    query.then(
      () => {
        settled();
        end();
      },
      (error: unknown) => {
        settled();
        end(error);
      },
    );
    return query;
  }

  /** Counts a transaction in flight until `run` settles. */
  transaction<T extends Promise<unknown>>(run: T): T {
    this.transactions++;
    run.then(this.#transactionSettled, this.#transactionSettled);
    return run;
  }

  readonly #settled = () => {
    this.statements--;
    this.standalone--;
  };
  readonly #settledInTransaction = () => {
    this.statements--;
  };
  readonly #transactionSettled = () => {
    this.transactions--;
  };
}
