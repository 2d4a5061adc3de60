import { listLeftoverNamespaces } from '@helios-conformance/fixtures';

/** Run namespaces (`hc_%` schemas or databases) left on the server behind `dsn`. */
export async function leftoverNamespaces(dsn: string): Promise<string[]> {
  const url = new URL(dsn);
  url.search = '';
  if (url.protocol === 'mysql:' || url.protocol === 'mariadb:') {
    const mysql = (await import('mysql2/promise')).default;
    const { fromMysql2 } = await import('@helios-conformance/fixtures');
    const conn = await mysql.createConnection(url.toString().replace(/^mariadb:/, 'mysql:'));
    try {
      return await listLeftoverNamespaces(fromMysql2(conn), 'mysql');
    } finally {
      await conn.end();
    }
  }
  const pg = (await import('pg')).default;
  const open = async (ssl: false | { rejectUnauthorized: false }) => {
    const c = new pg.Client({ connectionString: url.toString(), ssl });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  // Whatever TLS the server offers: the question is only what it holds.
  const client = await open({ rejectUnauthorized: false }).catch(() => open(false));
  try {
    return await listLeftoverNamespaces(client, 'postgres');
  } finally {
    await client.end();
  }
}
