import { Alert, Anchor, Button, Code, PasswordInput, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { SetupInput, type LoginStep } from '../../../shared/schemas/operators';
import { formError, useTRPC } from '../api/trpc';
import { OperatorCodeStep } from '../components/auth/OperatorCodeStep';
import { AuthLayout } from '../components/common/AuthLayout';
import { ErrorAlert, SubmitForm } from '../components/common/ModalForm';
import { OtpEnrollPanel } from '../components/common/OtpEnrollPanel';
import { PageLoader } from '../components/common/States';
import { useCheckedSubmit } from '../lib/useCheckedSubmit';
import { checkForm } from '../lib/zodForm';

type Enroll = Extract<LoginStep, { next: 'enroll' }>;

/**
 * First run: the one-time link from `npm start` / `tessera init` opens this
 * page. Step 1 creates the first admin (username, password); step 2 enrolls
 * their own TOTP (scan, type the first code), which signs them in.
 */
export function SetupPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const validity = useQuery({ ...trpc.system.setupTokenValid.queryOptions({ token }), enabled: token.length > 0 });
  const info = useQuery(trpc.system.info.queryOptions());

  const [values, setValues] = useState({ username: '', displayName: '', password: '', repeat: '' });
  const [enroll, setEnroll] = useState<(Enroll & { username: string }) | null>(null);

  const setup = useMutation(trpc.auth.setup.mutationOptions());
  const complete = useMutation(trpc.auth.completeEnrollment.mutationOptions());

  const set = (k: keyof typeof values) => (e: React.ChangeEvent<HTMLInputElement>) => {
    const value = e.currentTarget.value;
    setValues((v) => ({ ...v, [k]: value }));
  };

  const { errors, submit: submitAccount } = useCheckedSubmit(
    () => {
      const checked = checkForm(SetupInput, {
        token,
        username: values.username,
        password: values.password,
        ...(values.displayName.trim() ? { displayName: values.displayName } : {}),
      });
      const next: Record<string, string> = checked.ok ? {} : { ...checked.errors };
      // The token is not a field: a bad one is a message for the whole form.
      delete next.token;
      if (values.password && values.repeat !== values.password) next.repeat = 'The two passwords are not the same';
      if (!checked.ok && Object.keys(next).length === 0) next._ = checked.errors.token ?? 'Check the form';
      return checked.ok && Object.keys(next).length === 0 ? checked : { ok: false, errors: next };
    },
    async (input) => {
      const step = await setup.mutateAsync(input);
      setEnroll({ ...step, username: input.username });
    },
  );

  const finish = async (code: string) => {
    const r = await complete.mutateAsync({ ticket: enroll!.ticket, code });
    queryClient.setQueryData(trpc.auth.me.queryKey(), { operator: r.operator } as never);
    await navigate('/dashboard', { replace: true });
  };

  if (!token) {
    return (
      <AuthLayout title="Set up Tessera" subtitle="The first administrator is created from a one-time setup link.">
        <Alert color="orange" variant="light" title="This page needs the setup link" role="alert">
          <Text size="sm">
            Open the link printed by <Code>npm start</Code> (or run <Code>tessera init</Code> for a new one). It looks like{' '}
            <Code>http://127.0.0.1:8787/setup?token=…</Code>
          </Text>
        </Alert>
        <Anchor component={Link} to="/login" size="sm">
          Already set up? Sign in
        </Anchor>
      </AuthLayout>
    );
  }
  if (validity.isPending || info.isPending) return <PageLoader label="Checking the setup link" />;
  if (!enroll && (validity.isError || !validity.data?.valid)) {
    const alreadySetUp = info.data && !info.data.needsSetup;
    return (
      <AuthLayout title="Set up Tessera">
        <Alert color="red" variant="light" title={alreadySetUp ? 'Tessera is already set up' : 'This setup link has expired or was already used'} role="alert">
          <Text size="sm">
            {alreadySetUp ? (
              'An administrator exists. Sign in with your username, password and authenticator code.'
            ) : (
              <>
                Setup links work once and for 24 hours. Run <Code>tessera init</Code> (or restart <Code>npm start</Code>) on the server for a new link.
              </>
            )}
          </Text>
        </Alert>
        <Button component={Link} to="/login" variant="light">
          Go to sign-in
        </Button>
      </AuthLayout>
    );
  }

  if (enroll) {
    return (
      <AuthLayout
        title="Add your authenticator"
        subtitle={`Step 2 of 2 · The console asks ${enroll.username} for a code from this app at every sign-in.`}
        width={620}
      >
        <OtpEnrollPanel otpauthUri={enroll.otpauthUri} secret={enroll.secret} account={enroll.username} />
        <OperatorCodeStep submitLabel="Finish setup" onSubmit={finish} onRestart={() => window.location.reload()} autoFocus={false} />
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title="Set up Tessera" subtitle="Step 1 of 2 · Create the first administrator. You will add your authenticator app next.">
      <SubmitForm onSubmit={submitAccount}>
        <TextInput label="Username" value={values.username} onChange={set('username')} error={errors.username} autoComplete="username" required autoFocus />
        <TextInput
          label="Display name"
          description="Optional: shown in the console and the audit log"
          value={values.displayName}
          onChange={set('displayName')}
          error={errors.displayName}
          autoComplete="name"
        />
        <PasswordInput
          label="Password"
          description="At least 12 characters; a passphrase is easiest"
          value={values.password}
          onChange={set('password')}
          error={errors.password}
          autoComplete="new-password"
          required
        />
        <PasswordInput label="Repeat password" value={values.repeat} onChange={set('repeat')} error={errors.repeat} autoComplete="new-password" required />
        <ErrorAlert message={errors._ ?? formError(setup.error)} />
        <Button type="submit" loading={setup.isPending} fullWidth>
          Continue
        </Button>
      </SubmitForm>
    </AuthLayout>
  );
}
