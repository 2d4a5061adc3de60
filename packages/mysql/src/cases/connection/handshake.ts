import assert from 'node:assert/strict';
import { CAPS } from '@helios-conformance/sql/mysql';
import { connect, defineMysqlCase, rows } from '../../_internal/case-kit.js';

const HS = 'https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_handshake_v10.html';

/** MY-007: the greeting as the probe read it when the run opened (no round trip of its own). */
export const handshakeV10 = defineMysqlCase({
  id: 'MY-007',
  title: 'Handshake v10 announces protocol 10, a server version, a scramble and the 4.1 capability flags',
  priority: 'p0',
  area: 'connection',
  spec: HS,
  timeoutMs: 5_000,
  run(ctx) {
    const h = ctx.target.handshake;
    assert.equal(h.protocolVersion, 10, 'protocol version');
    assert.ok(h.serverVersion.length > 0, 'the handshake has an empty server version');
    assert.ok(h.scramble.length >= 20, `scramble of ${h.scramble.length} bytes, expected at least 20`);
    for (const [name, bit] of [
      ['CLIENT_PROTOCOL_41', CAPS.PROTOCOL_41],
      ['CLIENT_SECURE_CONNECTION', CAPS.SECURE_CONNECTION],
      ['CLIENT_PLUGIN_AUTH', CAPS.PLUGIN_AUTH],
      ['CLIENT_TRANSACTIONS', CAPS.TRANSACTIONS],
      ['CLIENT_MULTI_RESULTS', CAPS.MULTI_RESULTS],
    ] as const) {
      assert.ok((h.capabilities & bit) !== 0, `the handshake does not announce ${name}`);
    }
    assert.ok(h.authPlugin.length > 0, 'the handshake names no default authentication plugin');
    ctx.metric('capabilities', `0x${h.capabilities.toString(16)}`);
    ctx.metric('authPlugin', h.authPlugin);
  },
});

/** MY-008: the connection id of the greeting is the session's. */
export const connectionId = defineMysqlCase({
  id: 'MY-008',
  title: 'The connection id in the handshake equals CONNECTION_ID() of the session',
  priority: 'p1',
  area: 'connection',
  spec: HS,
  timeoutMs: 10_000,
  async run(ctx) {
    const conn = await connect(ctx);
    const [r] = await rows<{ id: string | number }>(conn, 'SELECT CONNECTION_ID() AS id');
    assert.equal(Number(r?.id), conn.threadId, 'CONNECTION_ID() vs the handshake connection id');
  },
});
