import { writersAndListeners } from './t221-writers-listeners.js';
import { connectionLeak } from './t223-connection-leak.js';
import { backlogBounded } from './t227-backlog-bounded.js';
import { gracefulDegradation } from './t228-ramp.js';

/** The seed's session cases (leaks, listeners, backlog, degradation), in the seed's order. */
export const sessionCases = [writersAndListeners, connectionLeak, backlogBounded, gracefulDegradation] as const;
export { writersAndListeners, connectionLeak, backlogBounded, gracefulDegradation };
export { sessionSettings, sessionCliOptions, type SessionSettings } from './settings.js';
