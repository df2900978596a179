import { Alert, Button, Card, Code, Group, PasswordInput, Select, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  ATTRIBUTE_PRESETS,
  type DirectoryConfigView,
  type DirectoryTestResult,
  type DirectoryTls,
  PRESET_USER_FILTERS,
} from '../../../../shared/schemas/directory';
import { errorMessage, useTRPC } from '../../api/trpc';
import { formatDateTime, formatNumber, plural } from '../../lib/format';
import { useCheckedSubmit } from '../../lib/useCheckedSubmit';
import './directory.css';
import { AttributeMapFields } from './AttributeMapFields';
import { checkDirectory, type DirectoryValues, directoryValues, mapValues, PRESETS, presetOfValues } from './directoryForm';
import { RoleMappingFields } from './RoleMappingFields';

const TLS_MODES: { value: DirectoryTls; label: string }[] = [
  { value: 'ldaps', label: 'LDAPS (ldaps://, port 636)' },
  { value: 'starttls', label: 'STARTTLS required (ldap://, port 389)' },
  { value: 'none', label: 'None — this machine only' },
];

const STAGES: Record<string, string> = { config: 'settings', connect: 'connecting', tls: 'TLS', bind: 'signing in (bind)', search: 'searching' };

/** What "Test connection" answered, as the server said it. */
function TestAnswer({ result }: { result: DirectoryTestResult }) {
  if (result.ok) {
    return (
      <Alert color="teal" variant="light" title={`Connected: ${plural(result.usersFound, 'user')} found`} role="status" data-testid="directory-test-result">
        <Stack gap={4}>
          <Text size="sm">{result.server}</Text>
          {result.sample.length > 0 && (
            <Text size="sm">
              First usernames: <Code>{result.sample.join(', ')}</Code>
            </Text>
          )}
          <Text size="xs" c="dimmed">
            {formatNumber(result.elapsedMs)} ms
          </Text>
        </Stack>
      </Alert>
    );
  }
  return (
    <Alert color="red" variant="light" title={`The test stopped at ${STAGES[result.stage] ?? result.stage}`} role="alert" data-testid="directory-test-result">
      <Stack gap={4}>
        <Text size="sm" className="directory-pre">
          {result.error}
        </Text>
        {result.ldapCode !== null && (
          <Text size="xs" c="dimmed">
            LDAP result code {result.ldapCode}
          </Text>
        )}
      </Stack>
    </Alert>
  );
}

/**
 * The directory connection: URL and TLS, CA, bind account (the password is
 * write-only: empty keeps the stored one), where and which users to read, the
 * attribute map from a preset, and the sync rules. Checked with the server's
 * own schema before Save and Test. Read-only without canEdit.
 */
export function ConnectionForm({ view, canEdit }: { view: DirectoryConfigView | null; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const initial = directoryValues(view);
  const [values, setValues] = useState<DirectoryValues>(initial);
  const [tested, setTested] = useState<DirectoryTestResult | null>(null);
  const save = useMutation(trpc.directory.set.mutationOptions());
  const test = useMutation(trpc.directory.test.mutationOptions());
  const dirty = JSON.stringify(values) !== JSON.stringify(initial);

  const saving = useCheckedSubmit(
    () => checkDirectory(values, view),
    async (input) => {
      await save.mutateAsync(input);
      notifications.show({
        color: 'green',
        title: 'Directory settings saved',
        message: 'Preview a sync to see what it would change. The change is in the audit log.',
      });
      await queryClient.invalidateQueries({ queryKey: trpc.directory.get.queryKey() });
    },
  );
  const { errors, setErrors, clearError } = saving;
  const runTest = async () => {
    setTested(null);
    const checked = checkDirectory(values, view);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    try {
      setTested(await test.mutateAsync({ config: checked.data }));
    } catch {
      // test.error says why (a refusal, not an answer from the directory)
    }
  };

  const set = <K extends keyof DirectoryValues>(key: K, value: DirectoryValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    clearError(key);
  };
  const common = { readOnly: !canEdit, disabled: save.isPending };
  const preset = presetOfValues(values.attributes);
  const presetValue = preset === 'custom' ? null : preset;
  const clearErrorsUnder = (prefix: string) =>
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => k !== prefix && !k.startsWith(`${prefix}.`))));

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="directory-connection-title">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void saving.submit();
        }}
      >
        <Stack gap="md">
          <Group justify="space-between" align="baseline">
            <Title order={3} id="directory-connection-title" size="h4">
              Connection
            </Title>
            {view && (
              <Text size="xs" c="dimmed">
                Saved {formatDateTime(view.updatedAt)}
              </Text>
            )}
          </Group>
          <div className="directory-grid">
            <TextInput
              {...common}
              label="Server URL"
              description="ldaps://host[:port] or ldap://host[:port]"
              placeholder="ldaps://dc1.example.org"
              value={values.url}
              onChange={(e) => {
                set('url', e.currentTarget.value);
                clearError('tls'); // the TLS rule depends on the URL too
              }}
              error={errors.url}
            />
            <Select
              {...common}
              label="TLS"
              description="Plain LDAP only to a server on this machine."
              data={TLS_MODES}
              value={values.tls}
              onChange={(v) => v && set('tls', v as DirectoryTls)}
              allowDeselect={false}
              error={errors.tls}
            />
            <TextInput
              {...common}
              label="Bind DN"
              description="A read-only service account."
              placeholder="cn=tessera,ou=services,dc=example,dc=org"
              value={values.bindDn}
              onChange={(e) => set('bindDn', e.currentTarget.value)}
              error={errors.bindDn}
            />
            <PasswordInput
              {...common}
              label="Bind password"
              description={view?.hasPassword ? 'A password is stored. Leave empty to keep it.' : 'No password stored yet.'}
              placeholder={view?.hasPassword ? '•••••••• (stored)' : ''}
              value={values.bindPassword}
              onChange={(e) => set('bindPassword', e.currentTarget.value)}
              error={errors.bindPassword}
              autoComplete="new-password"
            />
            <TextInput
              {...common}
              label="Base DN"
              description="Users are searched in this whole subtree."
              placeholder="dc=example,dc=org"
              value={values.baseDn}
              onChange={(e) => set('baseDn', e.currentTarget.value)}
              error={errors.baseDn}
            />
            <Select
              {...common}
              label="Directory type"
              description="Fills the user filter and which attribute is which field."
              data={PRESETS}
              value={presetValue}
              placeholder="Custom map"
              allowDeselect={false}
              onChange={(v) => {
                if (v !== 'activeDirectory' && v !== 'openldap') return;
                setValues((old) => ({ ...old, attributes: mapValues(ATTRIBUTE_PRESETS[v]), userFilter: PRESET_USER_FILTERS[v] }));
                clearErrorsUnder('attributes');
                clearError('userFilter');
              }}
              error={errors.attributes}
            />
            <TextInput
              {...common}
              label="User filter"
              description="Which entries are users."
              value={values.userFilter}
              onChange={(e) => set('userFilter', e.currentTarget.value)}
              error={errors.userFilter}
            />
            <Textarea
              {...common}
              label="CA certificate (PEM)"
              description="The CA that signed the server's certificate. Empty: the system's CAs."
              placeholder="-----BEGIN CERTIFICATE-----"
              value={values.caCertificate}
              onChange={(e) => set('caCertificate', e.currentTarget.value)}
              error={errors.caCertificate}
              autosize
              minRows={2}
              maxRows={8}
              classNames={{ input: 'directory-mono' }}
            />
          </div>
          <AttributeMapFields
            values={values.attributes}
            onChange={(key, value, errorKey) => {
              setValues((v) => ({ ...v, attributes: { ...v.attributes, [key]: value } }));
              // A changed kind changes which fields exist: drop the messages under it.
              if (key === 'disabledKind' || key === 'groupsKind') clearErrorsUnder(errorKey);
              else clearError(errorKey);
              clearError('attributes');
            }}
            errors={errors}
            readOnly={!canEdit}
            disabled={save.isPending}
          />
          <Title order={4} size="h5">
            Sync rules
          </Title>
          <div className="directory-grid" data-cols="4">
            <TextInput
              {...common}
              label="Sync every (minutes)"
              description="Empty: only when you start one."
              inputMode="numeric"
              value={values.syncEveryMinutes}
              onChange={(e) => set('syncEveryMinutes', e.currentTarget.value)}
              error={errors.syncEveryMinutes}
            />
            <TextInput
              {...common}
              label="Grace period (days)"
              description="A disabled user's factors are removed after this."
              inputMode="numeric"
              value={values.graceDays}
              onChange={(e) => set('graceDays', e.currentTarget.value)}
              error={errors.graceDays}
            />
            <TextInput
              {...common}
              label="Mass-disable guard (%)"
              description="A sync disabling more than this share stops and asks."
              inputMode="decimal"
              value={values.guardPercent}
              onChange={(e) => set('guardPercent', e.currentTarget.value)}
              error={errors.guardPercent}
            />
            <TextInput
              {...common}
              label="Search page size"
              description="Entries per page of the paged search: below the server's size limit (AD: 1000)."
              inputMode="numeric"
              value={values.pageSize}
              onChange={(e) => set('pageSize', e.currentTarget.value)}
              error={errors.pageSize}
            />
          </div>
          <RoleMappingFields
            lines={values.roleMapping}
            onChange={(lines, errorKey) => {
              setValues((v) => ({ ...v, roleMapping: lines }));
              // Lines moved up or down: their messages no longer fit them.
              if (errorKey === 'roleMapping') clearErrorsUnder('roleMapping');
              else if (errorKey) clearError(errorKey);
            }}
            errors={errors}
            readOnly={!canEdit}
            disabled={save.isPending}
          />
          {save.error && (
            <Alert color="red" variant="light" role="alert" title="Not saved">
              {errorMessage(save.error)}
            </Alert>
          )}
          {test.error && (
            <Alert color="red" variant="light" role="alert" title="The test did not run">
              {errorMessage(test.error)}
            </Alert>
          )}
          {tested && <TestAnswer result={tested} />}
          {canEdit && (
            <Group justify="flex-end">
              <Button variant="default" onClick={() => void runTest()} loading={test.isPending}>
                Test connection
              </Button>
              {dirty && (
                <Button
                  variant="subtle"
                  onClick={() => {
                    setValues(initial);
                    setErrors({});
                  }}
                >
                  Discard
                </Button>
              )}
              <Button type="submit" loading={save.isPending} disabled={!dirty && view !== null}>
                Save
              </Button>
            </Group>
          )}
        </Stack>
      </form>
    </Card>
  );
}
