import assert from 'node:assert/strict';
import { describeMessages, firstError, parameterStatus, typeString } from '@helios-conformance/sql/pg-wire';
import { definePgCase, openWire } from '../../_internal/case-kit.js';

const SPEC_START = 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP';
const SPEC_ASYNC = 'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-ASYNC';

/** PG-009: the ParameterStatus values every driver reads at startup. */
export const startupCoreParameters = definePgCase({
  id: 'PG-009',
  title: 'startup reports server_version (well-formed, matching server_version_num), client_encoding UTF8 and standard_conforming_strings on',
  priority: 'p0',
  area: 'startup',
  since: '0.1.0',
  spec: SPEC_START,
  async run(ctx) {
    const { conn, startup } = await openWire(ctx, { searchPath: false, params: { client_encoding: 'UTF8' } });
    const p = startup.parameters;
    ctx.log(`ParameterStatus at startup: ${[...p.entries()].map(([k, v]) => `${k}=${v}`).join(', ')}`);
    const version = p.get('server_version');
    if (version === undefined) return ctx.fail('no ParameterStatus server_version was sent before the first ReadyForQuery');
    const m = /^(\d+)(?:\.(\d+))?(?:\.\d+)?(?:devel|alpha\d*|beta\d*|rc\d*)?(?:\s.*)?$/.exec(version);
    if (!m) return ctx.fail(`server_version ${JSON.stringify(version)} is not of the form MAJOR[.MINOR] (e.g. "15.4")`);
    assert.equal(p.get('client_encoding'), 'UTF8', `client_encoding requested as UTF8 in the startup packet must be reported as UTF8, got ${JSON.stringify(p.get('client_encoding'))}`);
    assert.equal(p.get('standard_conforming_strings'), 'on', `standard_conforming_strings must be reported "on", got ${JSON.stringify(p.get('standard_conforming_strings'))}`);
    // server_version must agree with what the server says when asked.
    const rows = await conn.queryRows('SHOW server_version_num');
    const num = Number(rows[0]?.[0]);
    if (!Number.isInteger(num) || num < 70000) return ctx.fail(`SHOW server_version_num answered ${JSON.stringify(rows[0]?.[0])}, not an integer version number`);
    // From 10 on the major version is one number (server_version_num MMmmmm); before, two (MMmmpp).
    const expectedMajor = num >= 100000 ? Math.floor(num / 10000) : Math.floor(num / 100);
    const reportedMajor = num >= 100000 ? Number(m[1]) : Number(m[1]) * 100 + Number(m[2] ?? 0);
    assert.equal(reportedMajor, expectedMajor, `server_version ${version} does not match server_version_num ${num}`);
  },
});

/** PG-010: application_name set in the startup packet comes back as a ParameterStatus. */
export const startupApplicationName = definePgCase({
  id: 'PG-010',
  title: 'application_name sent in the startup packet is echoed back in ParameterStatus and shown by SHOW',
  priority: 'p1',
  area: 'startup',
  since: '0.1.0',
  spec: SPEC_START,
  async run(ctx) {
    const name = `hc-pg010-${ctx.rng.int(0, 1e9)}`;
    const { conn, startup } = await openWire(ctx, { searchPath: false, params: { application_name: name } });
    const echoed = startup.parameters.get('application_name');
    assert.equal(echoed, name, `ParameterStatus application_name must echo the startup value ${JSON.stringify(name)}, got ${JSON.stringify(echoed)}`);
    const rows = await conn.queryRows('SHOW application_name');
    assert.equal(rows[0]?.[0], name, `SHOW application_name must return ${JSON.stringify(name)}, got ${JSON.stringify(rows[0]?.[0])}`);
  },
});

/** PG-011: DateStyle, TimeZone and integer_datetimes reported at startup, consistent with SHOW. */
export const startupDateParameters = definePgCase({
  id: 'PG-011',
  title: 'startup reports DateStyle, TimeZone and integer_datetimes (on), each equal to what SHOW returns',
  priority: 'p1',
  area: 'startup',
  since: '0.1.0',
  spec: SPEC_START,
  async run(ctx) {
    const { conn, startup } = await openWire(ctx, { searchPath: false });
    const p = startup.parameters;
    for (const name of ['DateStyle', 'TimeZone', 'integer_datetimes']) {
      const v = p.get(name);
      if (v === undefined || v === '') return ctx.fail(`no ParameterStatus ${name} was sent at startup (got: ${[...p.keys()].join(', ')})`);
      const rows = await conn.queryRows(`SHOW "${name}"`);
      assert.equal(rows[0]?.[0], v, `ParameterStatus ${name}=${JSON.stringify(v)} but SHOW ${name} returns ${JSON.stringify(rows[0]?.[0])}`);
    }
    assert.equal(p.get('integer_datetimes'), 'on', `integer_datetimes must be reported "on", got ${JSON.stringify(p.get('integer_datetimes'))}`);
    assert.match(p.get('DateStyle') ?? '', /^(ISO|Postgres|SQL|German), (DMY|MDY|YMD)$/, `DateStyle ${JSON.stringify(p.get('DateStyle'))} is not "<output style>, <field order>"`);
  },
});

/** PG-012: BackendKeyData (needed to cancel) arrives after AuthenticationOk and before ReadyForQuery. */
export const startupBackendKey = definePgCase({
  id: 'PG-012',
  title: 'startup sends AuthenticationOk, then BackendKeyData (process id and 4-byte key for protocol 3.0), then ReadyForQuery idle',
  priority: 'p1',
  area: 'startup',
  since: '0.1.0',
  spec: SPEC_START,
  async run(ctx) {
    const { conn, startup } = await openWire(ctx, { searchPath: false });
    const types = typeString(startup.messages);
    ctx.log(`startup messages: ${describeMessages(startup.messages)}`);
    const okAt = startup.messages.findIndex((m) => m.type === 'R' && m.body.readInt32BE(0) === 0);
    const keyAt = startup.messages.findIndex((m) => m.type === 'K');
    if (okAt < 0) return ctx.fail(`no AuthenticationOk before ReadyForQuery (got ${types})`);
    if (keyAt < 0) return ctx.fail(`no BackendKeyData before ReadyForQuery (got ${describeMessages(startup.messages)}): clients cannot cancel queries`);
    if (keyAt < okAt) return ctx.fail('BackendKeyData arrived before AuthenticationOk');
    const key = startup.messages[keyAt];
    assert.equal(key?.body.length, 8, `BackendKeyData for protocol 3.0 must carry a 4-byte process id and a 4-byte secret key (8 bytes), got ${key?.body.length}`);
    assert.equal(startup.readyStatus, 'I', `the first ReadyForQuery must say idle ('I'), got ${JSON.stringify(startup.readyStatus)}`);
    const rows = await conn.queryRows('SELECT pg_backend_pid()');
    ctx.log(`BackendKeyData pid ${startup.backendKey?.pid}, pg_backend_pid() ${rows[0]?.[0]}`);
  },
});

/** PG-013: a SET of a reported parameter sends a new ParameterStatus; a rolled-back SET reports the old value again. */
export const parameterStatusOnSet = definePgCase({
  id: 'PG-013',
  title: 'SET application_name / TimeZone sends ParameterStatus with the new value; ROLLBACK of a SET reports the restored value',
  priority: 'p1',
  area: 'startup',
  since: '0.1.0',
  spec: SPEC_ASYNC,
  async run(ctx) {
    const { conn, startup } = await openWire(ctx, { searchPath: false });
    const reported = (msgs: Awaited<ReturnType<typeof conn.simple>>): Map<string, string> =>
      new Map(msgs.filter((m) => m.type === 'S').map((m) => parameterStatus(m.body)));
    const check = (msgs: Awaited<ReturnType<typeof conn.simple>>, what: string): Map<string, string> => {
      const err = firstError(msgs);
      if (err) return ctx.fail(`${what} failed: ${err.C} ${err.M}`);
      return reported(msgs);
    };
    const first = `hc-pg013-a-${ctx.rng.int(0, 1e6)}`;
    let r = check(await conn.simple(`SET application_name = '${first}'`), 'SET application_name');
    assert.equal(r.get('application_name'), first, `after SET application_name a ParameterStatus application_name=${first} must arrive before ReadyForQuery, got ${JSON.stringify(r.get('application_name'))}`);

    const zone = startup.parameters.get('TimeZone') === 'Asia/Kathmandu' ? 'America/St_Johns' : 'Asia/Kathmandu';
    r = check(await conn.simple(`SET TimeZone = '${zone}'`), 'SET TimeZone');
    assert.equal(r.get('TimeZone'), zone, `after SET TimeZone a ParameterStatus TimeZone=${zone} must arrive, got ${JSON.stringify(r.get('TimeZone'))}`);

    check(await conn.simple('BEGIN'), 'BEGIN');
    r = check(await conn.simple(`SET application_name = 'hc-pg013-rolled-back'`), 'SET inside a transaction');
    assert.equal(r.get('application_name'), 'hc-pg013-rolled-back', 'a SET inside a transaction must be reported too');
    r = check(await conn.simple('ROLLBACK'), 'ROLLBACK');
    assert.equal(r.get('application_name'), first, `ROLLBACK restores application_name to ${first}: a ParameterStatus with it must arrive, got ${JSON.stringify(r.get('application_name'))}`);
  },
});

/** PG-014: a run-time parameter in the startup packet applies to the session. */
export const startupGucParameter = definePgCase({
  id: 'PG-014',
  title: 'a run-time parameter in the startup packet (statement_timeout=4321) applies to the session',
  priority: 'p2',
  area: 'startup',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-STARTUPMESSAGE',
  async run(ctx) {
    const { conn } = await openWire(ctx, { searchPath: false, params: { statement_timeout: '4321' } });
    const rows = await conn.queryRows('SHOW statement_timeout');
    assert.equal(rows[0]?.[0], '4321ms', `statement_timeout=4321 in the startup packet must make SHOW statement_timeout return "4321ms", got ${JSON.stringify(rows[0]?.[0])}`);
  },
});

/** PG-015: an unknown `_pq_.` protocol option is declined with NegotiateProtocolVersion, and the startup goes on. */
export const negotiateProtocolVersion = definePgCase({
  id: 'PG-015',
  title: 'an unknown _pq_ protocol option in the startup packet is answered with NegotiateProtocolVersion naming it, and the login completes',
  priority: 'p2',
  area: 'startup',
  since: '0.1.0',
  spec: 'https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NEGOTIATEPROTOCOLVERSION',
  async run(ctx) {
    const { conn, startup } = await openWire(ctx, { searchPath: false, params: { '_pq_.hc_conformance_probe': 'on' } });
    const v = startup.messages.find((m) => m.type === 'v');
    if (!v) return ctx.fail(`no NegotiateProtocolVersion for the unknown option _pq_.hc_conformance_probe (startup messages: ${describeMessages(startup.messages)})`);
    const minor = v.body.readInt32BE(0);
    const n = v.body.readInt32BE(4);
    const names = v.body.toString('utf8', 8).split('\0').filter(Boolean);
    ctx.log(`NegotiateProtocolVersion: newest protocol 3.${minor & 0xffff}, ${n} unrecognized option(s): ${names.join(', ')}`);
    assert.ok(names.includes('_pq_.hc_conformance_probe'), `NegotiateProtocolVersion must name _pq_.hc_conformance_probe as unrecognized, got ${JSON.stringify(names)}`);
    assert.equal(n, names.length, 'NegotiateProtocolVersion option count must match the names listed');
    const rows = await conn.queryRows('SELECT 1');
    assert.equal(rows[0]?.[0], '1', 'the session must work after NegotiateProtocolVersion');
  },
});
