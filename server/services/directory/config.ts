import { TesseraError } from '../../../shared/errors';
import { DirectoryConfig, DirectoryConfigInput, LastSyncView, type DirectoryConfigParsed, type DirectoryConfigView } from '../../../shared/schemas/directory';
import type { Actor, ServiceContext } from '../context';
import { iso } from '../wireViews';

/**
 * The directory connection as an admin set it: the settings as JSON, the
 * bind password sealed under a data key (like the SMTP password), never
 * returned: a view only says whether one is stored.
 */

const PASSWORD_AAD = 'tessera:directory-bind-password';

/** The settings and the bind password, as a connection needs them. */
export interface DirectoryConnection {
  config: DirectoryConfig;
  password: string | null;
}

export function directoryConnection(ctx: ServiceContext): DirectoryConnection | null {
  const row = ctx.store.directory.settings();
  if (!row) return null;
  const password =
    row.password_sealed && row.key_version !== null ? ctx.keyring.open(row.password_sealed, row.key_version, PASSWORD_AAD).toString('utf8') : null;
  return { config: DirectoryConfig.parse(JSON.parse(row.config)), password };
}

export function requireDirectoryConnection(ctx: ServiceContext): DirectoryConnection {
  const conn = directoryConnection(ctx);
  if (!conn) throw new TesseraError('directory_unconfigured', 'No directory is set up yet (Settings → Directory, or the directory settings in the console)');
  return conn;
}

export function directoryView(ctx: ServiceContext): DirectoryConfigView | null {
  const row = ctx.store.directory.settings();
  if (!row) return null;
  const last = row.last_sync ? LastSyncView.safeParse(JSON.parse(row.last_sync)) : null;
  return {
    ...DirectoryConfig.parse(JSON.parse(row.config)),
    hasPassword: row.password_sealed !== null,
    updatedAt: iso(row.updated_at)!,
    lastSync: last?.success ? last.data : null,
  };
}

/**
 * Stores the directory settings; the password: a string replaces it, null
 * clears it, undefined keeps the stored one. Audited without the password.
 */
export function setDirectoryConfig(ctx: ServiceContext, input: DirectoryConfigInput | DirectoryConfigParsed, actor: Actor): DirectoryConfigView {
  const { bindPassword, ...rest } = DirectoryConfigInput.parse(input);
  const config = DirectoryConfig.parse(rest);
  const now = ctx.clock();
  ctx.store.tx(() => {
    const before = ctx.store.directory.settings();
    let sealed: { password_sealed: Buffer | null; key_version: number | null };
    if (bindPassword === undefined) sealed = { password_sealed: before?.password_sealed ?? null, key_version: before?.key_version ?? null };
    else if (bindPassword === null) sealed = { password_sealed: null, key_version: null };
    else {
      const s = ctx.keyring.seal(Buffer.from(bindPassword, 'utf8'), PASSWORD_AAD);
      sealed = { password_sealed: s.sealed, key_version: s.keyVersion };
    }
    ctx.store.directory.setSettings({ config: JSON.stringify(config), ...sealed, updated_at: now });
    ctx.audit.append({
      actor,
      action: 'directory.configure',
      outcome: 'success',
      details: {
        // The CA certificate is long and public; its presence is what matters in the log.
        config: { ...config, caCertificate: config.caCertificate === null ? null : 'set' },
        password: bindPassword === undefined ? 'kept' : bindPassword === null ? 'removed' : 'set',
      },
    });
  });
  return directoryView(ctx)!;
}

/** The connection a test uses: the input's settings (its password, or the stored one when it gives none), or the stored settings. */
export function connectionForTest(ctx: ServiceContext, input: DirectoryConfigInput | DirectoryConfigParsed | undefined): DirectoryConnection {
  if (input === undefined) return requireDirectoryConnection(ctx);
  const { bindPassword, ...rest } = DirectoryConfigInput.parse(input);
  const config = DirectoryConfig.parse(rest);
  if (bindPassword !== undefined) return { config, password: bindPassword };
  // The stored password goes only to the server and account it was set for, never to a host typed into a test.
  const stored = directoryConnection(ctx);
  const same = stored !== null && stored.config.url === config.url && stored.config.bindDn === config.bindDn;
  return { config, password: same ? stored.password : null };
}
