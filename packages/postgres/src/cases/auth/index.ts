// Authentication. The area's cases, in catalog order.
export { passwordExchange, wrongPassword, unknownDatabase } from './password.js';
