import { describe, expect, it } from 'vitest';
import { translateSql } from './translate';

describe('translateSql (SQLite parameters to PostgreSQL)', () => {
  it('numbers ? in order', () => {
    expect(translateSql('SELECT * FROM t WHERE a = ? AND b > ?')).toEqual({ text: 'SELECT * FROM t WHERE a = $1 AND b > $2', names: null, writes: false });
  });

  it('gives each @name one number, reused where the name repeats', () => {
    const t = translateSql('UPDATE f SET last_step = @step, last_used_at = @now WHERE id = @id AND last_step < @step');
    expect(t.text).toBe('UPDATE f SET last_step = $1, last_used_at = $2 WHERE id = $3 AND last_step < $1');
    expect(t.names).toEqual(['step', 'now', 'id']);
    expect(t.writes).toBe(true);
  });

  it('leaves quoted text and comments alone', () => {
    const t = translateSql(`SELECT '?', "a?b", 'it''s @x' -- what?\n FROM t /* @y ? */ WHERE c = ?`);
    expect(t.text).toBe(`SELECT '?', "a?b", 'it''s @x' -- what?\n FROM t /* @y ? */ WHERE c = $1`);
    expect(t.names).toBeNull();
  });

  it('turns INSERT OR IGNORE into ON CONFLICT DO NOTHING, before any RETURNING', () => {
    expect(translateSql('INSERT OR IGNORE INTO g (a, b) VALUES (?, ?)').text).toBe('INSERT INTO g (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING');
    expect(translateSql('INSERT OR IGNORE INTO g (a) VALUES (?) RETURNING a').text).toBe('INSERT INTO g (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING a');
  });

  it('knows which statements write (they must take the write lock)', () => {
    expect(translateSql('DELETE FROM c WHERE id = ? RETURNING *').writes).toBe(true);
    expect(translateSql('WITH x AS (SELECT 1) UPDATE t SET a = 1').writes).toBe(true);
    expect(translateSql('WITH x AS (SELECT 1) SELECT * FROM x').writes).toBe(false);
    expect(translateSql('  select count(*) from t').writes).toBe(false);
  });

  it('refuses a statement that mixes both kinds of parameter', () => {
    expect(() => translateSql('SELECT ? , @a')).toThrow(/mixes/);
  });
});
