import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fillOutputFile, KeptFiles, reserveNewFile, reserveTempFile, sweepStaleTempFolders, writeOutputFile } from './outputFiles';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-outfiles-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const mode = (file: string) => fs.statSync(file).mode & 0o777;
const names = () => fs.readdirSync(dir).sort();

describe('reserveNewFile', () => {
  it('creates the name empty and 0600; a taken name is a conflict and stays as it was', () => {
    const file = path.join(dir, 'out.pdf');
    reserveNewFile(file);
    expect(fs.readFileSync(file, 'utf8')).toBe('');
    if (process.platform !== 'win32') expect(mode(file)).toBe(0o600);
    fs.writeFileSync(file, 'precious');
    expect(() => reserveNewFile(file)).toThrow(/already exists/);
    expect(fs.readFileSync(file, 'utf8')).toBe('precious');
    expect(() => reserveNewFile(path.join(dir, 'no', 'such', 'folder.pdf'))).toThrow(/no such file or folder/);
  });
});

describe('writeOutputFile', () => {
  it('writes beside the name and renames into place: the name never shows a partial file', async () => {
    const file = path.join(dir, 'bundle.jsonl');
    const target = reserveNewFile(file);
    await writeOutputFile(target, async (out) => {
      out.write('first line\n');
      await new Promise((r) => setTimeout(r, 5));
      // While writing, the name still holds the empty reservation; the text is in a hidden temp file.
      expect(fs.readFileSync(file, 'utf8')).toBe('');
      expect(names().filter((n) => n.startsWith('.bundle.jsonl.tessera-tmp-'))).toHaveLength(1);
      out.write('second line\n');
    });
    expect(fs.readFileSync(file, 'utf8')).toBe('first line\nsecond line\n');
    if (process.platform !== 'win32') expect(mode(file)).toBe(0o600);
    expect(names()).toEqual(['bundle.jsonl']);
  });

  it('an error removes the temp file and the reservation, and is passed on', async () => {
    const file = path.join(dir, 'sheets.pdf');
    await expect(
      writeOutputFile(reserveNewFile(file), async (out) => {
        out.write('half a PDF');
        throw new Error('the writer failed');
      }),
    ).rejects.toThrow('the writer failed');
    expect(names()).toEqual([]);
  });

  it('a result not worth keeping (a cancel) leaves nothing, and is returned', async () => {
    const file = path.join(dir, 'sheets.pdf');
    const r = await writeOutputFile(
      reserveNewFile(file),
      async (out) => {
        out.write('some pages');
        return { cancelled: true };
      },
      (x) => !x.cancelled,
    );
    expect(r).toEqual({ cancelled: true });
    expect(names()).toEqual([]);
  });

  it('in a temp folder: 0700 folder, 0600 file; removing it removes the folder', async () => {
    const target = reserveTempFile('tessera-outfiles-test-', 'sheets.pdf', dir);
    await writeOutputFile(target, async (out) => {
      out.write('%PDF');
    });
    const folder = path.dirname(target.path);
    expect(fs.readFileSync(target.path, 'utf8')).toBe('%PDF');
    if (process.platform !== 'win32') {
      expect(mode(folder)).toBe(0o700);
      expect(mode(target.path)).toBe(0o600);
    }
    target.remove();
    target.remove();
    expect(fs.existsSync(folder)).toBe(false);
  });
});

describe('fillOutputFile', () => {
  it('a temp file a crash left beside a target a day ago is swept; a young one is left', async () => {
    const old = path.join(dir, '.crashed.db.tessera-tmp-aaaaaaaaaaaa');
    const young = path.join(dir, '.running.db.tessera-tmp-bbbbbbbbbbbb');
    fs.writeFileSync(old, 'x');
    fs.writeFileSync(young, 'x');
    const dayAgo = new Date(Date.now() - 25 * 3_600_000);
    fs.utimesSync(old, dayAgo, dayAgo);
    await fillOutputFile(reserveNewFile(path.join(dir, 'backup.db')), async (temp) => {
      fs.writeFileSync(temp, 'copy');
    });
    expect(names()).toEqual(['.running.db.tessera-tmp-bbbbbbbbbbbb', 'backup.db']);
  });

  it("a failed fill removes SQLite's side files of the temp too", async () => {
    await expect(
      fillOutputFile(reserveNewFile(path.join(dir, 'backup.db')), async (temp) => {
        fs.writeFileSync(`${temp}-journal`, 'j');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(names()).toEqual([]);
  });
});

describe('sweepStaleTempFolders', () => {
  it('removes only stale folders with the prefix, never a link or a file', () => {
    const now = Date.now();
    const mk = (name: string, ageMs: number) => {
      const p = path.join(dir, name);
      fs.mkdirSync(p);
      const t = new Date(now - ageMs);
      fs.utimesSync(p, t, t);
      return p;
    };
    const stale = mk('tessera-x-stale', 10_000);
    const fresh = mk('tessera-x-fresh', 10);
    const other = mk('other-stale', 10_000);
    const file = path.join(dir, 'tessera-x-file');
    fs.writeFileSync(file, '');
    fs.utimesSync(file, new Date(now - 10_000), new Date(now - 10_000));
    if (process.platform !== 'win32') fs.symlinkSync(other, path.join(dir, 'tessera-x-link'));
    expect(sweepStaleTempFolders('tessera-x-', 1000, now, dir)).toBe(1);
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(fresh) && fs.existsSync(other) && fs.existsSync(file)).toBe(true);
    expect(sweepStaleTempFolders('tessera-x-', 1000, now, path.join(dir, 'missing'))).toBe(0);
  });
});

describe('KeptFiles', () => {
  it('gives a kept file to its owner only, removes it after the keep time, and drops all at once', () => {
    vi.useFakeTimers();
    try {
      const kept = new KeptFiles(1000);
      const a = reserveTempFile('tessera-outfiles-kept-', 'a.pdf', dir);
      const b = reserveTempFile('tessera-outfiles-kept-', 'b.pdf', dir);
      kept.add('job-a', a, 'sheets-a.pdf', 'op1');
      kept.add('job-b', b, 'sheets-b.pdf', 'op1');
      kept.keep('job-a');
      expect(kept.get('job-a', 'op1')).toEqual({ path: a.path, name: 'sheets-a.pdf' });
      expect(kept.get('job-a', 'op2')).toBeNull();
      expect(kept.get('job-x', 'op1')).toBeNull();
      vi.advanceTimersByTime(1001);
      expect(kept.get('job-a', 'op1')).toBeNull();
      expect(fs.existsSync(path.dirname(a.path))).toBe(false);
      kept.dropAll();
      expect(fs.existsSync(path.dirname(b.path))).toBe(false);
      expect(names()).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
