// LISTEN / NOTIFY. The area's cases, in catalog order.
export { listenNotify, notifyTransactional, pgNotifyUnicode, unlisten } from './listen-notify.js';
