// COPY FROM STDIN and COPY TO STDOUT. The area's cases, in catalog order.
export { copyFromStdin } from './copy-from-stdin.js';
export { copyOutText, copyOutCsv, copyOutQuery, copyOutBinary, copyOutStream } from './copy-out.js';
export { copyInCsv, copyInBinary, copyInError, copyRoundTrip } from './copy-in.js';
