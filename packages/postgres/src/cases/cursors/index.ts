// Server-side cursors. The area's cases, in catalog order.
export { serverSideCursor } from './server-side-cursor.js';
