import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, startPostgres, type TestPostgres } from '../../testing/postgres';
import { Db } from '../db';
import { rawSqlite } from '../testing';
import { MIGRATIONS } from '../migrations/index';
import { PG_MIGRATIONS } from './migrations/index';

/**
 * Issue 17: the PostgreSQL schema is SQLite's (schema 15), so the same SQL
 * runs on both. Each check reads both schemas — a fresh SQLite store made by
 * its migrations, a fresh PostgreSQL database made by PG_MIGRATIONS — and
 * compares them: a column, index, key or constraint added to one and not the
 * other fails here.
 */

const available = postgresAvailable();
if (!available) console.warn('server/store/pg/schema.test.ts skipped: PostgreSQL is not installed (apt-get install postgresql)');

/** SQLite's FTS5 search table and its shadow tables: PG has a trigram index instead (users_search_trgm). */
const SQLITE_ONLY = /^(sqlite_|users_fts)/;
/** Tables only the PG engine has: its write lock (in the migration) and its migration record (the engine's). */
const PG_ONLY = new Set(['tessera_write_lock', 'tessera_migrations']);

interface SqliteColumn {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

let server: TestPostgres;
let client: pg.Client;
let dir: string;
let store: Db;
let lite: Database.Database;

/** SQL written once with `?` for both: PG's own placeholders are $1, $2, … */
function pgSql(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

async function pgRows<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await client.query<T>(sql, params)).rows;
}

/** The error a statement fails with on each side: PG's SQLSTATE, SQLite's code; 'ok' when it succeeds. */
async function bothOutcomes(sql: string, params: unknown[]): Promise<{ pg: string; sqlite: string }> {
  let pgOutcome = 'ok';
  try {
    await client.query(pgSql(sql), params);
  } catch (err) {
    pgOutcome = (err as { code?: string }).code ?? String(err);
  }
  let sqliteOutcome = 'ok';
  try {
    lite.prepare(sql).run(...params);
  } catch (err) {
    sqliteOutcome = (err as { code?: string }).code ?? String(err);
  }
  return { pg: pgOutcome, sqlite: sqliteOutcome };
}

async function onBoth(sql: string, params: unknown[] = []): Promise<void> {
  expect(await bothOutcomes(sql, params)).toEqual({ pg: 'ok', sqlite: 'ok' });
}

function sqliteTables(): string[] {
  return lite
    .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
    .all()
    .map((r) => r.name)
    .filter((n) => !SQLITE_ONLY.test(n));
}

function sqliteColumns(table: string): SqliteColumn[] {
  return lite.prepare<[], SqliteColumn>(`PRAGMA table_info(${table})`).all();
}

/** SQLite's declared type as PG stores it (INTEGER → bigint: the engine reads int8 as a number). */
const PG_TYPE: Record<string, string> = { INTEGER: 'bigint', TEXT: 'text', BLOB: 'bytea', REAL: 'double precision' };

/** A default as text to compare: PG's casts ('[]'::text) dropped. */
function normalDefault(d: string | null): string | null {
  return d === null ? null : d.replace(/::[a-z ]+$/, '');
}

/** A partial index's predicate, comparable across both: lower case, no parentheses, casts or extra spaces. */
function normalPredicate(p: string | null): string | null {
  if (p === null) return null;
  return p
    .replace(/::[a-z]+/g, '')
    .replace(/[()]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** An index key column: its name, lower(name) for a NOCASE one, `expr` for an expression. */
function sqliteIndexKeys(index: string): string[] {
  return lite
    .prepare<[], { name: string | null; coll: string; key: number }>(`PRAGMA index_xinfo(${index})`)
    .all()
    .filter((c) => c.key === 1)
    .map((c) => (c.name === null ? 'expr' : c.coll === 'NOCASE' ? `lower(${c.name})` : c.name));
}

function pgKey(def: string): string {
  return /^[a-z_]+$/.test(def) || /^lower\([a-z_]+\)$/.test(def) ? def : 'expr';
}

interface IndexShape {
  table: string;
  unique: boolean;
  keys: string[];
  where: string | null;
}

function sqliteIndexes(): Map<string, IndexShape> {
  const out = new Map<string, IndexShape>();
  const rows = lite
    .prepare<[], { name: string; tbl_name: string; sql: string | null }>(`SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'`)
    .all();
  for (const r of rows) {
    if (r.sql === null || SQLITE_ONLY.test(r.tbl_name)) continue; // autoindexes: compared as keys below
    const where = /\bWHERE\s+(.+)$/is.exec(r.sql)?.[1] ?? null;
    out.set(r.name, { table: r.tbl_name, unique: /^CREATE UNIQUE/i.test(r.sql), keys: sqliteIndexKeys(r.name), where: normalPredicate(where) });
  }
  return out;
}

async function pgIndexes(): Promise<Map<string, IndexShape & { primary: boolean; method: string; def: string }>> {
  const rows = await pgRows<{ name: string; tbl: string; uniq: boolean; prim: boolean; keys: string[]; pred: string | null; method: string; def: string }>(`
    SELECT ic.relname AS name, tc.relname AS tbl, i.indisunique AS uniq, i.indisprimary AS prim, am.amname AS method,
           pg_get_indexdef(i.indexrelid) AS def,
           pg_get_expr(i.indpred, i.indrelid) AS pred,
           ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) AS k) AS keys
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_class tc ON tc.oid = i.indrelid
      JOIN pg_namespace ns ON ns.oid = tc.relnamespace
      JOIN pg_am am ON am.oid = ic.relam
     WHERE ns.nspname = 'public'`);
  return new Map(
    rows.map((r) => [
      r.name,
      { table: r.tbl, unique: r.uniq, primary: r.prim, keys: r.keys.map(pgKey), where: normalPredicate(r.pred), method: r.method, def: r.def },
    ]),
  );
}

describe.skipIf(!available)('the PostgreSQL schema (issue 17)', () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-pg-schema-'));
    store = new Db(path.join(dir, 'tessera.db'));
    lite = rawSqlite(store);
    server = await startPostgres();
    client = new pg.Client({ connectionString: server.url });
    await client.connect();
    // As the engine will: every migration in one transaction.
    await client.query('BEGIN');
    for (const m of PG_MIGRATIONS) await client.query(m.sql);
    await client.query('COMMIT');
  }, 60_000);

  afterAll(async () => {
    await client?.end();
    await server?.stop();
    store?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts from one migration, 0001_initial (SQLite schema 15); each later one has the name of its SQLite twin', () => {
    expect(PG_MIGRATIONS[0]!.name).toBe('0001_initial');
    const sqliteNames = MIGRATIONS.map((m) => m.name.slice(5));
    for (const m of PG_MIGRATIONS.slice(1)) expect(sqliteNames).toContain(m.name.slice(5));
  });

  it('has the same tables as SQLite (less its FTS tables), plus the write lock', async () => {
    const pgTables = (await pgRows<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)).map(
      (r) => r.t,
    );
    expect(sqliteTables().length).toBeGreaterThan(20);
    expect(pgTables.filter((t) => !PG_ONLY.has(t)).sort()).toEqual(sqliteTables().sort());
    expect(pgTables).toContain('tessera_write_lock');
  });

  it('has every table with the same columns, types, NOT NULLs and defaults', async () => {
    const rows = await pgRows<{ t: string; c: string; type: string; nullable: string; dflt: string | null; identity: string }>(
      `SELECT table_name AS t, column_name AS c, data_type AS type, is_nullable AS nullable, column_default AS dflt, is_identity AS identity
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
    );
    for (const table of sqliteTables()) {
      const expected = sqliteColumns(table).map((c) => ({
        column: c.name,
        type: PG_TYPE[c.type] ?? `unmapped ${c.type}`,
        // PG's primary key columns are NOT NULL; SQLite's (TEXT ones) only where declared, a legacy quirk.
        notNull: c.notnull === 1 || c.pk > 0,
        default: normalDefault(c.dflt_value),
      }));
      const actual = rows
        .filter((r) => r.t === table)
        .map((r) => ({ column: r.c, type: r.type, notNull: r.nullable === 'NO', default: r.identity === 'YES' ? null : normalDefault(r.dflt) }));
      expect({ table, columns: actual }).toEqual({ table, columns: expected });
    }
  });

  it('makes only the two keys SQLite assigns (rowid aliases inserted without a value) identity columns', async () => {
    const identity = await pgRows<{ t: string; c: string }>(
      `SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND is_identity = 'YES' ORDER BY 1`,
    );
    expect(identity).toEqual([
      { t: 'code_sends', c: 'id' },
      { t: 'recovery_codes', c: 'id' },
    ]);
    await onBoth(`INSERT INTO users (id, username, username_key, search_text, created_at) VALUES ('u-id', 'idtest', 'idtest', 'idtest', 0)`);
    await onBoth(`INSERT INTO code_sends (user_id, channel, at) VALUES ('u-id', 'email', 1)`);
    await onBoth(`INSERT INTO recovery_codes (user_id, lookup_id, hash, created_at) VALUES ('u-id', 'l1', 'h', 0)`);
    const [sent] = await pgRows<{ id: string }>(`SELECT id FROM code_sends WHERE user_id = 'u-id'`);
    expect(Number(sent!.id)).toBeGreaterThan(0);
    await onBoth(`DELETE FROM users WHERE id = 'u-id'`);
  });

  it('compares text by bytes, as SQLite does: every TEXT column is COLLATE "C"', async () => {
    const notC = await pgRows<{ t: string; c: string; coll: string | null }>(
      `SELECT table_name AS t, column_name AS c, collation_name AS coll FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type = 'text' AND collation_name IS DISTINCT FROM 'C'`,
    );
    expect(notC).toEqual([]);
    // The same order on both: upper case before lower, accents after z, NO_NAME (U+10FFFF) last.
    const names = ['zoe', 'Zoe', 'émile', '\u{10ffff}', 'abe', 'Abe', 'ábe'];
    for (const [i, n] of names.entries()) {
      await onBoth('INSERT INTO users (id, username, username_key, search_text, name_sort, created_at) VALUES (?, ?, ?, ?, ?, 0)', [
        `o${i}`,
        `o${i}`,
        `o${i}`,
        'x',
        n,
      ]);
    }
    const order = `SELECT name_sort FROM users WHERE id LIKE 'o%' ORDER BY name_sort`;
    const pgOrder = (await pgRows<{ name_sort: string }>(order)).map((r) => r.name_sort);
    const liteOrder = lite
      .prepare<[], { name_sort: string }>(order)
      .all()
      .map((r) => r.name_sort);
    expect(pgOrder).toEqual(liteOrder);
    expect(pgOrder).toEqual(['Abe', 'Zoe', 'abe', 'zoe', 'ábe', 'émile', '\u{10ffff}']);
    await onBoth(`DELETE FROM users WHERE id LIKE 'o%'`);
  });

  it('has every SQLite index by name, on the same table and keys, as unique and as partial', async () => {
    const pgIdx = await pgIndexes();
    const liteIdx = sqliteIndexes();
    expect(liteIdx.size).toBeGreaterThan(30);
    for (const [name, shape] of liteIdx) {
      const found = pgIdx.get(name);
      expect({ name, index: found && { table: found.table, unique: found.unique, keys: found.keys, where: found.where } }).toEqual({ name, index: shape });
    }
  });

  it('has the same primary keys and UNIQUE constraints (NOCASE as a unique index on lower(name))', async () => {
    const pgIdx = await pgIndexes();
    for (const table of sqliteTables()) {
      const pk = sqliteColumns(table)
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name);
      const pgPk = [...pgIdx.values()].find((i) => i.table === table && i.primary)?.keys ?? [];
      expect({ table, pk: pgPk }).toEqual({ table, pk });

      const liteUnique = lite
        .prepare<[], { name: string; unique: number; origin: string }>(`PRAGMA index_list(${table})`)
        .all()
        .filter((i) => i.unique === 1 && i.origin !== 'pk')
        .map((i) => sqliteIndexKeys(i.name).join(','))
        .sort();
      const pgUnique = [...pgIdx.values()]
        .filter((i) => i.table === table && i.unique && !i.primary)
        .map((i) => i.keys.join(','))
        .sort();
      expect({ table, unique: pgUnique }).toEqual({ table, unique: liteUnique });
    }
  });

  it('has the same foreign keys, with the same ON DELETE', async () => {
    const actions: Record<string, string> = { a: 'NO ACTION', c: 'CASCADE', n: 'SET NULL', r: 'RESTRICT', d: 'SET DEFAULT' };
    const pgFks = (
      await pgRows<{ t: string; c: string; ref: string; refcol: string; del: string }>(`
        SELECT cl.relname AS t, a.attname AS c, rc.relname AS ref, af.attname AS refcol, co.confdeltype AS del
          FROM pg_constraint co
          CROSS JOIN LATERAL unnest(co.conkey, co.confkey) AS k(attnum, refnum)
          JOIN pg_class cl ON cl.oid = co.conrelid
          JOIN pg_class rc ON rc.oid = co.confrelid
          JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.attnum
          JOIN pg_attribute af ON af.attrelid = co.confrelid AND af.attnum = k.refnum
         WHERE co.contype = 'f'`)
    )
      .map((r) => `${r.t}.${r.c} -> ${r.ref}.${r.refcol} ON DELETE ${actions[r.del]}`)
      .sort();
    const liteFks: string[] = [];
    for (const table of sqliteTables()) {
      for (const fk of lite.prepare<[], { table: string; from: string; to: string | null; on_delete: string }>(`PRAGMA foreign_key_list(${table})`).all()) {
        liteFks.push(`${table}.${fk.from} -> ${fk.table}.${fk.to ?? '(its primary key)'} ON DELETE ${fk.on_delete}`);
      }
    }
    expect(liteFks.length).toBeGreaterThan(20);
    expect(pgFks).toEqual(liteFks.sort());
  });

  it('replaces the FTS5 trigram table with a pg_trgm GIN index on users.search_text', async () => {
    const ext = await pgRows<{ extname: string }>(`SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'`);
    expect(ext).toEqual([{ extname: 'pg_trgm' }]);
    const idx = (await pgIndexes()).get('users_search_trgm');
    expect(idx?.table).toBe('users');
    expect(idx?.method).toBe('gin');
    expect(idx?.def).toContain('search_text gin_trgm_ops');
    const triggers = await pgRows(`SELECT tgname FROM pg_trigger WHERE NOT tgisinternal`);
    expect(triggers).toEqual([]);
  });

  it('has the write lock: one row, id 1, that a transaction can lock exclusively', async () => {
    expect(await pgRows(`SELECT id, version::text AS version FROM tessera_write_lock`)).toEqual([{ id: 1, version: '0' }]);
    await client.query('BEGIN');
    await client.query('LOCK TABLE tessera_write_lock IN EXCLUSIVE MODE');
    const held = await pgRows<{ mode: string }>(
      `SELECT mode FROM pg_locks WHERE relation = 'tessera_write_lock'::regclass AND pid = pg_backend_pid() AND granted`,
    );
    await client.query('COMMIT');
    expect(held.map((l) => l.mode)).toContain('ExclusiveLock');
    await expect(client.query('INSERT INTO tessera_write_lock (id) VALUES (2)')).rejects.toMatchObject({ code: '23514' });
  });

  describe('refuses what SQLite refuses', () => {
    const mac = (n: number) => Buffer.alloc(n, 7);
    beforeAll(async () => {
      await onBoth('INSERT INTO data_keys (version, wrapped, created_at) VALUES (1, ?, 0)', [Buffer.from([1, 2, 3])]);
      await onBoth('INSERT INTO signing_keys (version, private_sealed, key_version, public_der, created_at) VALUES (1, ?, 1, ?, 0)', [mac(4), mac(4)]);
      await onBoth(`INSERT INTO users (id, username, username_key, search_text, created_at) VALUES ('u1', 'alice', 'alice', 'alice', 0)`);
      await onBoth(`INSERT INTO api_keys (id, name, prefix, hash, scopes, created_at) VALUES ('k1', 'app', 'p', 'h', '[]', 0)`);
      await onBoth(`INSERT INTO operators (id, username, username_key, role, status, created_at) VALUES ('o1', 'op', 'op', 'admin', 'active', 0)`);
      await onBoth(`INSERT INTO factors (id, user_id, type, status, created_at, destination) VALUES ('fe', 'u1', 'email', 'active', 0, 'a@example.com')`);
    });

    const checks: [string, string, unknown[]][] = [
      ['a factor of an unknown type', `INSERT INTO factors (id, user_id, type, status, created_at) VALUES ('f1', 'u1', 'password', 'active', 0)`, []],
      ['an email factor without a destination', `INSERT INTO factors (id, user_id, type, status, created_at) VALUES ('f2', 'u1', 'email', 'active', 0)`, []],
      [
        'a TOTP factor with a destination',
        `INSERT INTO factors (id, user_id, type, status, created_at, destination) VALUES ('f3', 'u1', 'totp', 'active', 0, 'x')`,
        [],
      ],
      ['7 digits', `INSERT INTO factors (id, user_id, type, status, created_at, digits) VALUES ('f4', 'u1', 'totp', 'active', 0, 7)`, []],
      ['a negative counter', `INSERT INTO factors (id, user_id, type, status, created_at, counter) VALUES ('f5', 'u1', 'hotp', 'active', 0, -1)`, []],
      ['an unknown role', `INSERT INTO operators (id, username, username_key, role, status, created_at) VALUES ('o2', 'x', 'x', 'root', 'active', 0)`, []],
      [
        'password_must_change 2',
        `INSERT INTO operators (id, username, username_key, role, status, created_at, password_must_change) VALUES ('o3', 'y', 'y', 'admin', 'active', 0, 2)`,
        [],
      ],
      [
        'backed_up 2',
        `INSERT INTO webauthn_credentials (id, operator_id, rp_id, credential_id, public_key, aaguid, backed_up, device_type, created_at)
         VALUES ('c1', 'o1', 'rp', ?, ?, 'a', 2, 'singleDevice', 0)`,
        [mac(16), mac(4)],
      ],
      [
        'a credential of neither a factor nor an operator',
        `INSERT INTO webauthn_credentials (id, rp_id, credential_id, public_key, aaguid, backed_up, device_type, created_at)
         VALUES ('c2', 'rp', ?, ?, 'a', 0, 'singleDevice', 0)`,
        [mac(16), mac(4)],
      ],
      [
        'an empty credential id',
        `INSERT INTO webauthn_credentials (id, operator_id, rp_id, credential_id, public_key, aaguid, backed_up, device_type, created_at)
         VALUES ('c3', 'o1', 'rp', ?, ?, 'a', 0, 'singleDevice', 0)`,
        [mac(0), mac(4)],
      ],
      [
        'a challenge of both an API key and an operator',
        `INSERT INTO webauthn_challenges (challenge, purpose, rp_id, api_key_id, operator_id, created_at, expires_at) VALUES ('ch', 'register', 'rp', 'k1', 'o1', 0, 1)`,
        [],
      ],
      [
        'a 31-byte code MAC',
        `INSERT INTO delivered_codes (id, user_id, factor_id, purpose, code_mac, created_at, expires_at) VALUES ('d1', 'u1', 'fe', 'challenge', ?, 0, 1)`,
        [mac(31)],
      ],
      [
        'more uses left than allowed',
        `INSERT INTO temporary_codes (id, user_id, code_mac, reason, created_at, expires_at, max_uses, uses_left) VALUES ('t1', 'u1', ?, 'lost', 0, 1, 2, 3)`,
        [mac(32)],
      ],
      ['a second audit head', `INSERT INTO audit_head (id, seq, hash, signature, key_version) VALUES (2, 1, 'h', 's', 1)`, []],
      [
        'a transport secret without its key version',
        `INSERT INTO delivery_transports (channel, config, secret_sealed, updated_at) VALUES ('email', '{}', ?, 0)`,
        [mac(4)],
      ],
      ['a fax channel', `INSERT INTO code_sends (user_id, channel, at) VALUES ('u1', 'fax', 0)`, []],
      [
        'a 31-byte device token hash',
        `INSERT INTO remembered_devices (id, user_id, api_key_id, token_hash, label, created_at, expires_at) VALUES ('r1', 'u1', 'k1', ?, 'l', 0, 1)`,
        [mac(31)],
      ],
      ['a second directory settings row', `INSERT INTO directory_settings (id, config, updated_at) VALUES (2, '{}', 0)`, []],
      [
        'require_message_auth 5',
        `INSERT INTO radius_clients (id, name, address, secret_sealed, key_version, mode, require_message_auth, created_at, updated_at)
         VALUES ('n1', 'nas', '10.0.0.0/8', ?, 1, 'code', 5, 0, 0)`,
        [mac(4)],
      ],
      [
        'an unknown RADIUS mode',
        `INSERT INTO radius_clients (id, name, address, secret_sealed, key_version, mode, created_at, updated_at) VALUES ('n2', 'nas2', '10.0.0.1', ?, 1, 'pap', 0, 0)`,
        [mac(4)],
      ],
    ];
    it.each(checks)('a CHECK: %s', async (_what, sql, params) => {
      expect(await bothOutcomes(sql, params)).toEqual({ pg: '23514', sqlite: 'SQLITE_CONSTRAINT_CHECK' });
    });

    it('a foreign key: a factor of no user, a signing key under no data key', async () => {
      expect(await bothOutcomes(`INSERT INTO factors (id, user_id, type, status, created_at) VALUES ('f9', 'nobody', 'totp', 'active', 0)`, [])).toEqual({
        pg: '23503',
        sqlite: 'SQLITE_CONSTRAINT_FOREIGNKEY',
      });
      expect(
        await bothOutcomes('INSERT INTO signing_keys (version, private_sealed, key_version, public_der, created_at) VALUES (2, ?, 9, ?, 0)', [mac(4), mac(4)]),
      ).toEqual({ pg: '23503', sqlite: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    });

    it('UNIQUE: a taken username key, a RADIUS client name in another case', async () => {
      expect(
        await bothOutcomes(`INSERT INTO users (id, username, username_key, search_text, created_at) VALUES ('u2', 'Alice', 'alice', 'alice', 0)`, []),
      ).toEqual({
        pg: '23505',
        sqlite: 'SQLITE_CONSTRAINT_UNIQUE',
      });
      const nas = `INSERT INTO radius_clients (id, name, address, secret_sealed, key_version, mode, created_at, updated_at) VALUES (?, ?, '10.0.0.1', ?, 1, 'code', 0, 0)`;
      await onBoth(nas, ['n3', 'Office-NAS', mac(4)]);
      expect(await bothOutcomes(nas, ['n4', 'office-nas', mac(4)])).toEqual({ pg: '23505', sqlite: 'SQLITE_CONSTRAINT_UNIQUE' });
    });

    it('accepts a valid row of each kind the CHECKs guard, and deleting a user cascades to their rows', async () => {
      await onBoth(
        `INSERT INTO temporary_codes (id, user_id, code_mac, reason, created_at, expires_at, max_uses, uses_left) VALUES ('t2', 'u1', ?, 'lost', 0, 1, 2, 2)`,
        [mac(32)],
      );
      await onBoth(
        `INSERT INTO delivered_codes (id, user_id, factor_id, purpose, code_mac, created_at, expires_at) VALUES ('d2', 'u1', 'fe', 'confirm', ?, 0, 1)`,
        [mac(32)],
      );
      await onBoth(`DELETE FROM users WHERE id = 'u1'`);
      const left = `SELECT (SELECT count(*) FROM factors) + (SELECT count(*) FROM temporary_codes) + (SELECT count(*) FROM delivered_codes) AS n`;
      expect(Number((await pgRows<{ n: string }>(left))[0]!.n)).toBe(0);
      expect(lite.prepare<[], { n: number }>(left).get()!.n).toBe(0);
    });
  });
});
