/**
 * The generator's view of an endpoint: connections that take pre-built statements and answer in
 * order. A wire family plugs in here (PostgreSQL now over the kit's raw wire codec, MySQL later),
 * so the generator's clock, histograms and schedule never know which protocol carries the load.
 */

/** Parameter types a load statement can bind (kept small: the hot path pre-encodes them). */
export type LoadParamType = 'int4' | 'int8' | 'text';

/** A statement prepared once per connection and executed many times. */
export interface LoadStatement {
  /** The statement's text with the family's placeholders (`$1` for PostgreSQL). */
  readonly sql: string;
  readonly params: readonly LoadParamType[];
}

/** What an executed statement ended with: undefined on success, else an error code (SQLSTATE, `connection-lost`). */
export type LoadOutcome = string | undefined;

/**
 * One connection of the generator. Statements are queued with {@link send} and written with
 * {@link flush}, so many operations share one write (pipelining); answers arrive in the order sent,
 * and each one calls the `onDone` given to {@link LoadDriver.connect}.
 */
export interface LoadConnection {
  /** Queues one execution of the statement at `index` (of the `statements` it was connected with). */
  send(index: number, params: readonly (number | string)[]): void;
  /** Writes everything queued since the last flush in one write. */
  flush(): void;
  /** Operations sent and not answered yet. */
  readonly inFlight: number;
  /** False once the connection is gone (every operation in flight was answered `connection-lost`). */
  readonly open: boolean;
  /** Ends the connection (politely, then destroyed); never throws. */
  close(): void;
}

/** Callbacks a connection reports to: `onDone` once per operation, in order; `afterRead` once per batch of answers read. */
export interface LoadCallbacks {
  onDone(outcome: LoadOutcome): void;
  afterRead(): void;
}

/** Opens load connections on one endpoint. */
export interface LoadDriver {
  /** The wire family, for reports. */
  readonly family: 'postgres' | 'mysql';
  /** Opens a connection with `statements` prepared on it. */
  connect(statements: readonly LoadStatement[], callbacks: LoadCallbacks, signal?: AbortSignal): Promise<LoadConnection>;
  /** First message of each error code seen, for the report (never a password: server messages only). */
  readonly errorMessages: Map<string, string>;
}

/**
 * What the generator executes: the statements and, per operation, which one with which
 * parameters. `next` writes the parameters into `params` (reused, so the hot path allocates
 * nothing) and returns the statement's index. Draw every choice from `random` (seeded).
 */
export interface Workload {
  readonly statements: readonly LoadStatement[];
  next(random: () => number, params: Array<number | string>): number;
}
