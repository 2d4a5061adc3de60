import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CannotRunError } from '@helios-conformance/core';
import { ACTIONS, commandLine, parseTopology, runAction, shellQuote } from '../src/index.js';
import { distinctNodePorts, nodeByPort } from '../src/topology.js';

const base = {
  name: 'two nodes',
  family: 'postgres',
  clientDsn: 'postgres://u:secret@127.0.0.1:5000/db',
  nodes: [
    { name: 'a', dsn: 'postgres://u:secret@127.0.0.1:5001/db' },
    { name: 'b', dsn: 'postgres://u:secret@127.0.0.1:5002/db' },
  ],
  actions: { kill: 'echo kill {node}' },
};

const error = (doc: unknown): string => {
  try {
    parseTopology(doc, 't.json');
  } catch (e) {
    expect(e).toBeInstanceOf(CannotRunError);
    return (e as Error).message;
  }
  return 'accepted';
};

describe('topology files', () => {
  it('accepts a minimal cluster with defaults (manual failover, 30 s actions)', () => {
    const t = parseTopology(base, 't.json');
    expect(t.failover).toBe('manual');
    expect(t.actionTimeoutMs).toBe(30_000);
    expect(t.nodes.map((n) => n.name)).toEqual(['a', 'b']);
  });

  it('keeps a witness (role "witness") out of the data nodes every case iterates; its DSN is optional', () => {
    const t = parseTopology({ ...base, nodes: [{ name: 'm', dsn: 'postgres://w@127.0.0.1:5009/x', role: 'witness' }, ...base.nodes, { name: 'q', role: 'witness' }] }, 't.json');
    expect(t.nodes.map((n) => n.name)).toEqual(['a', 'b']);
    expect(t.witnesses).toEqual([{ name: 'm', dsn: 'postgres://w@127.0.0.1:5009/x' }, { name: 'q' }]);
    expect(nodeByPort(t, 5009)).toBeUndefined();
    expect(parseTopology(base, 't.json').witnesses).toEqual([]);
  });

  it('accepts a mysql-family cluster (Galera) and finds its nodes by port (3306 when absent)', () => {
    const t = parseTopology(
      { ...base, family: 'mysql', clientDsn: 'mysql://u:s@127.0.0.1:4000/db', nodes: [{ name: 'a', dsn: 'mysql://u:s@127.0.0.1/db' }, { name: 'b', dsn: 'mariadb://u:s@127.0.0.1:4002/db' }] },
      't.json',
    );
    expect(t.family).toBe('mysql');
    expect(nodeByPort(t, 3306)?.name).toBe('a');
    expect(nodeByPort(t, 4002)?.name).toBe('b');
  });

  it('names a node by the port its server reports once learned, not by its DSN port (a proxy or port mapping in between)', () => {
    const t = parseTopology(base, 't.json');
    expect(distinctNodePorts(t)).toBe(true);
    // Both nodes behind one port each of a proxy; their servers listen on 5432 and 5433.
    t.serverPorts = { a: 5432, b: 5433 };
    expect(nodeByPort(t, 5432)?.name).toBe('a');
    expect(nodeByPort(t, 5433)?.name).toBe('b');
    expect(nodeByPort(t, 5001)).toBeUndefined();
    // Two servers on the same port (separate hosts): the port cannot tell them apart.
    t.serverPorts = { a: 5432, b: 5432 };
    expect(distinctNodePorts(t)).toBe(false);
    // A node that did not answer when the ports were learned keeps its DSN's port.
    t.serverPorts = { a: 5432 };
    expect(nodeByPort(t, 5002)?.name).toBe('b');
  });

  it.each([
    [{ ...base, nodes: [base.nodes[0]] }, 'topology t.json: "nodes" must list at least two nodes'],
    [{ ...base, family: 'oracle' }, '"family" must be "postgres" or "mysql"'],
    [{ ...base, family: 'mysql' }, '"clientDsn" must be a mysql:// (or mariadb://) DSN (family mysql)'],
    [{ ...base, family: 'mysql', clientDsn: 'mysql://u:s@127.0.0.1:3306/db' }, 'nodes[0].dsn must be a mysql:// (or mariadb://) DSN (family mysql)'],
    [{ ...base, extra: 1 }, 'unknown key "extra"'],
    [{ ...base, nodes: [base.nodes[0], { ...base.nodes[1], name: 'a' }] }, 'node names must be unique'],
    [{ ...base, actions: { explode: 'x' } }, 'actions: unknown action "explode"'],
    [{ ...base, actions: { kill: 'kill {host}' } }, 'actions.kill: unknown placeholder {host} (this action has {node})'],
    [{ ...base, actions: { heal: 'heal {node}' } }, 'actions.heal: unknown placeholder {node} (this action has none)'],
    [{ ...base, clientDsn: 'mysql://x@y/z' }, '"clientDsn" must be a postgres:// DSN (family postgres)'],
    [{ ...base, failover: 'sometimes' }, '"failover" must be "manual" or "automatic"'],
    [{ ...base, nodes: [base.nodes[0], { name: 'w', role: 'witness' }] }, '"nodes" must list at least two nodes holding data (a witness is not one)'],
    [{ ...base, nodes: [...base.nodes, { name: 'w', role: 'arbiter' }] }, 'nodes[2].role must be "data" (default) or "witness"'],
    [{ ...base, nodes: [...base.nodes, { name: 'a', role: 'witness' }] }, 'node names must be unique'],
  ])('refuses %j with one line naming the key', (doc, msg) => {
    expect(error(doc)).toContain(msg);
  });

  it('the JSON schema lists the same actions as the loader', () => {
    const schema = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'schemas', 'topology.schema.json'), 'utf8')) as { properties: { actions: { properties: Record<string, unknown> } } };
    expect(Object.keys(schema.properties.actions.properties).sort()).toEqual(Object.keys(ACTIONS).sort());
  });

  it('the documented examples load', () => {
    const dir = path.join(import.meta.dirname, '..', 'examples');
    for (const f of readdirSync(dir)) expect(parseTopology(JSON.parse(readFileSync(path.join(dir, f), 'utf8')), f).name, f).toMatch(/NOT TESTED HERE/);
  });
});

describe('actions', () => {
  it('substitutes placeholders shell-quoted: a node name cannot inject a command', async () => {
    const t = parseTopology({ ...base, actions: { kill: 'printf %s {node}' } }, 't.json');
    expect(commandLine(t, 'kill', { node: "a'; touch /tmp/pwned; '" })).toBe(`printf %s 'a'\\''; touch /tmp/pwned; '\\'''`);
    const r = await runAction(t, 'kill', { node: "x'; echo INJECTED; '" });
    expect(r.ok).toBe(true);
    expect(r.stdout).toBe("x'; echo INJECTED; '");
    expect(shellQuote('n1')).toBe('n1');
  });

  it('reports a failing command with its exit code and output', async () => {
    const t = parseTopology({ ...base, actions: { kill: 'echo nope >&2; exit 3' } }, 't.json');
    const r = await runAction(t, 'kill', { node: 'a' });
    expect([r.ok, r.code, r.timedOut, r.stderr.trim()]).toEqual([false, 3, false, 'nope']);
  });

  it('kills the whole process group at the deadline', async () => {
    const t = parseTopology({ ...base, actionTimeoutMs: 300, actions: { kill: 'sleep 30 & sleep 30; echo never' } }, 't.json');
    const t0 = Date.now();
    const r = await runAction(t, 'kill', { node: 'a' });
    expect(r.timedOut).toBe(true);
    expect(r.ok).toBe(false);
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  it('an undeclared action is an error for the caller, never a silent success', () => {
    const t = parseTopology(base, 't.json');
    expect(() => runAction(t, 'promote', { node: 'a' })).toThrow('the topology declares no "promote" action');
  });
});

describe('loadTopology', () => {
  it('a file that is not JSON is one line naming the file, even when the parser quotes several lines of it', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadTopology } = await import('../src/topology.js');
    const dir = mkdtempSync(join(tmpdir(), 'hc-topo-'));
    const file = join(dir, 'cluster.json');
    writeFileSync(file, 'vm\nhost-2\n');
    const err = await loadTopology(file)
      .then(() => undefined, (e: unknown) => e as Error)
      .finally(() => rmSync(dir, { recursive: true, force: true }));
    expect(err?.message).toMatch(/^topology .*cluster\.json is not JSON: /);
    expect(err?.message).not.toContain('\n');
  });
});
