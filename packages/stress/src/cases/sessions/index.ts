import { writersAndListeners } from './t221-writers-listeners.js';
import { connectionLeak } from './t223-connection-leak.js';
import { backlogBounded } from './t227-backlog-bounded.js';

/** The seed's session cases (leaks, listeners, backlog, degradation), in the seed's order. */
export const sessionCases = [writersAndListeners, connectionLeak, backlogBounded] as const;
export { writersAndListeners, connectionLeak, backlogBounded };
export { sessionSettings, sessionCliOptions, type SessionSettings } from './settings.js';
