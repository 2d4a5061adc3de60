// Large results, streamed. The area's cases, in catalog order.
export { cursorStreaming, copyToStdoutStreaming } from './large-results.js';
