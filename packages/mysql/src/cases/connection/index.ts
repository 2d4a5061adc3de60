import type { MyCase } from '../../_internal/case-kit.js';
import { cachingSha2Password, ed25519, nativePassword, utf8Password } from './auth-plugins.js';
import { changeUser, ping, quit, resetConnection } from './commands.js';
import { connectionId, handshakeV10 } from './handshake.js';
import { unknownDatabase, wrongPassword } from './login.js';
import { connectCycles, killConnection, sessionVariables } from './sessions.js';
import { requireSsl, tlsSession, tlsVerified } from './tls.js';

/** Connection phase, session commands (COM_PING, COM_RESET_CONNECTION, COM_CHANGE_USER, COM_QUIT), auth and TLS. */
export const connectionCases: readonly MyCase[] = [
  handshakeV10,
  connectionId,
  ping,
  resetConnection,
  changeUser,
  quit,
  killConnection,
  sessionVariables,
  connectCycles,
  wrongPassword,
  unknownDatabase,
  nativePassword,
  cachingSha2Password,
  ed25519,
  utf8Password,
  tlsSession,
  tlsVerified,
  requireSsl,
];
