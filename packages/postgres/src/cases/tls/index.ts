// SSLRequest, GSSENCRequest and TLS. The area's cases, in catalog order.
export { sslRequestAnswer, encryptedSession, verifyFull, gssEncRequest } from './tls.js';
