// Connecting and a first query. The area's cases, in catalog order.
export { simpleQuery } from './simple-query.js';
