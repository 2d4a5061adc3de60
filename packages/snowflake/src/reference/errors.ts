// Snowflake's error shape for the failures the reference endpoint can tell apart: the code and
// SQLSTATE Snowflake returns for the same mistake, the message in Snowflake's wording. The
// PostgreSQL error underneath is mapped by its SQLSTATE.

/** A failure as the endpoint sends it: `{ success: false, code, message, data: { sqlState, … } }`. */
export interface SfFailure {
  code: string;
  sqlState: string;
  message: string;
}

/** Snowflake's answer to a statement that was cancelled (abort-request). */
export const CANCELED: SfFailure = { code: '000604', sqlState: '57014', message: 'SQL execution canceled' };

/** Snowflake's answer to a wrong user or password. */
export const BAD_LOGIN: SfFailure = { code: '390100', sqlState: '08004', message: 'Incorrect username or password was specified.' };

/** Session token past its validity (the driver renews it with the master token). */
export const TOKEN_EXPIRED: SfFailure = { code: '390112', sqlState: '08001', message: 'Your session has expired. Please login again.' };

/** A token the endpoint never issued (or one of a closed session). */
export const TOKEN_INVALID: SfFailure = { code: '390104', sqlState: '08001', message: 'Session no longer exists.  New login required to access the service.' };

/** A statement count other than the one MULTI_STATEMENT_COUNT declared. */
export function statementCount(actual: number, desired: number): SfFailure {
  return { code: '000008', sqlState: '0A000', message: `Actual statement count ${actual} did not match the desired statement count ${desired}.` };
}

/** The quoted object a PostgreSQL message names (`relation "x" does not exist` → X). */
function named(message: string): string {
  const m = /"([^"]+)"/.exec(message);
  const name = m?.[1] ?? '?';
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name.toUpperCase() : name;
}

/** A PostgreSQL error (SQLSTATE and message) in Snowflake's code, SQLSTATE and wording. */
export function fromPgError(e: { code?: string; message?: string; position?: string }): SfFailure {
  const message = e.message ?? String(e);
  const at = e.position ? ` line 1 at position ${Number(e.position) - 1}` : '';
  switch (e.code) {
    case '42601': {
      const near = /at or near "([^"]*)"/.exec(message)?.[1];
      return { code: '001003', sqlState: '42000', message: `SQL compilation error:\nsyntax error${at} unexpected '${near ?? '?'}'.` };
    }
    case '42P01':
    case '3F000':
      return { code: '002003', sqlState: '42S02', message: `SQL compilation error:\nObject '${named(message)}' does not exist or not authorized.` };
    case '42703':
      return { code: '000904', sqlState: '42000', message: `SQL compilation error: error${at}\ninvalid identifier '${named(message)}'` };
    case '42P07':
    case '42P06':
      return { code: '002002', sqlState: '42710', message: `SQL compilation error:\nObject '${named(message)}' already exists.` };
    case '22012':
      return { code: '100051', sqlState: '22012', message: 'Division by zero' };
    case '22P02':
      return { code: '100038', sqlState: '22018', message: `Numeric value ${/: "(.*)"$/.exec(message)?.[1] ? `'${/: "(.*)"$/.exec(message)?.[1]}'` : ''} is not recognized` };
    case '57014':
      return CANCELED;
    default:
      // No Snowflake counterpart known here: PostgreSQL's SQLSTATE and message, Snowflake's generic code.
      return { code: '100000', sqlState: e.code ?? 'XX000', message };
  }
}
