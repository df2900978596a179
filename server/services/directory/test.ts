import type { DirectoryConfigInput, DirectoryConfigParsed, DirectoryTestResult } from '../../../shared/schemas/directory';
import { TesseraError } from '../../../shared/errors';
import type { ServiceContext } from '../context';
import { connectionForTest } from './config';
import { describeLdapError, DirectoryError, firstValue, serviceClient, whereOf } from './ldap';

const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';

/**
 * "Test connection": connects with the TLS asked for, binds as the service
 * account, reads what the server says of itself (root DSE), and counts the
 * users the filter finds with a paged search, as a sync would. Changes
 * nothing and writes no audit entry; every failure comes back in words,
 * with the stage it happened at.
 */
export async function testDirectoryConnection(ctx: ServiceContext, input?: DirectoryConfigInput | DirectoryConfigParsed): Promise<DirectoryTestResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let conn;
  try {
    conn = connectionForTest(ctx, input);
  } catch (err) {
    if (err instanceof TesseraError) return { ok: false, stage: 'config', error: err.message, ldapCode: null, elapsedMs: elapsed() };
    throw err;
  }
  const { config } = conn;
  const where = whereOf(config);
  let stage: 'connect' | 'search' = 'connect';
  try {
    const client = await serviceClient(conn);
    try {
      stage = 'search';
      const said: string[] = [
        `Connected to ${where} ${config.tls === 'ldaps' ? 'over TLS (ldaps)' : config.tls === 'starttls' ? 'and upgraded to TLS (STARTTLS)' : 'without TLS'}`,
        `bound as ${config.bindDn}`,
      ];
      let paged = true;
      try {
        const dse = await client.search('', {
          scope: 'base',
          filter: '(objectClass=*)',
          attributes: ['vendorName', 'vendorVersion', 'supportedControl', 'supportedLDAPVersion'],
        });
        const root = (dse.searchEntries[0] ?? {}) as Record<string, unknown>;
        const vendor = [firstValue(root, 'vendorName'), firstValue(root, 'vendorVersion')].filter((v) => v !== null).join(' ');
        if (vendor) said.push(`server: ${vendor}`);
        const controls = Object.entries(root).find(([k]) => k.toLowerCase() === 'supportedcontrol')?.[1];
        const list = Array.isArray(controls) ? controls.map(String) : controls === undefined ? [] : [String(controls)];
        paged = list.length === 0 || list.includes(PAGED_RESULTS_OID);
        said.push(list.length === 0 ? 'it does not list its controls' : paged ? 'it supports paged searches' : 'it does NOT support paged searches');
      } catch {
        said.push('its root DSE is not readable (not needed)');
      }
      let usersFound = 0;
      const sample: string[] = [];
      const attr = config.attributes.username;
      for await (const page of client.searchPaginated(config.baseDn, {
        scope: 'sub',
        filter: config.userFilter,
        attributes: [attr],
        paged: { pageSize: config.pageSize },
        sizeLimit: 0,
      })) {
        for (const e of page.searchEntries) {
          usersFound++;
          const name = firstValue(e as Record<string, unknown>, attr);
          if (name !== null && sample.length < 5) sample.push(name);
        }
      }
      said.push(`the filter found ${usersFound} ${usersFound === 1 ? 'user' : 'users'} under ${config.baseDn}`);
      return { ok: true, server: `${said.join('; ')}.`, usersFound, sample, elapsedMs: elapsed() };
    } finally {
      await client.unbind().catch(() => undefined);
    }
  } catch (err) {
    const d = err instanceof DirectoryError ? err : describeLdapError(err, stage, where);
    return { ok: false, stage: d.stage, error: d.message, ldapCode: d.ldapCode, elapsedMs: elapsed() };
  }
}
