// Other client libraries over the same endpoint. The area's cases, in catalog order.
export { postgresJsRoundTrip } from './postgres-js.js';
export { kyselyRoundTrip } from './kysely.js';
