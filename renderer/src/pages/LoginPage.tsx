import { Anchor, Button, PasswordInput, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, Navigate, useSearchParams } from 'react-router';
import { LoginInput, type LoginStep } from '../../../shared/schemas/operators';
import { formError, useTRPC } from '../api/trpc';
import { OperatorCodeStep } from '../components/auth/OperatorCodeStep';
import { SecurityKeyStep } from '../components/auth/SecurityKeyStep';
import { AuthLayout } from '../components/common/AuthLayout';
import { ErrorAlert, SubmitForm } from '../components/common/ModalForm';
import { OtpEnrollPanel } from '../components/common/OtpEnrollPanel';
import { SignedOutNotice } from '../components/shell/SignedOutNotice';
import { useCheckedSubmit } from '../lib/useCheckedSubmit';
import { checkForm } from '../lib/zodForm';

/** Only paths inside the console: `?next=//evil.example` must not send anyone away. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') && !next.startsWith('/setup') ? next : '/';
}

/**
 * What a signed-in console shows at /login: the page the operator was sent
 * here from (`?next=`), else the start page. Signing in only updates
 * `auth.me`; this route then takes the operator on.
 */
export function RedirectAfterSignIn() {
  const [params] = useSearchParams();
  return <Navigate to={safeNext(params.get('next'))} replace />;
}

/**
 * Sign-in: password, then a code from the operator's own authenticator. On
 * an operator's first sign-in (created by an admin) the second step enrolls
 * that authenticator instead.
 */
export function LoginPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();

  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [step, setStep] = useState<LoginStep | null>(null);

  const login = useMutation(trpc.auth.login.mutationOptions());
  const completeLogin = useMutation(trpc.auth.completeLogin.mutationOptions());
  const completeEnrollment = useMutation(trpc.auth.completeEnrollment.mutationOptions());

  const { errors, submit: submitPassword } = useCheckedSubmit(
    () => checkForm(LoginInput, { username, password }),
    async (input) => setStep(await login.mutateAsync(input)),
  );

  // The console re-renders signed in at /login, where RedirectAfterSignIn takes over.
  const signedIn = (operator: { username: string }) => {
    queryClient.setQueryData(trpc.auth.me.queryKey(), { operator } as never);
  };

  const restart = () => {
    setStep(null);
    setPassword('');
    login.reset();
  };

  if (step?.next === 'totp') {
    return (
      <AuthLayout
        title="Enter your code"
        subtitle={`Signing in as ${username.trim()}. Open your authenticator app and type the current code for the Tessera console.`}
      >
        <OperatorCodeStep
          submitLabel="Verify"
          onSubmit={async (code) => signedIn((await completeLogin.mutateAsync({ ticket: step.ticket, code })).operator)}
          onRestart={restart}
        />
        {step.webauthn && <SecurityKeyStep ticket={step.ticket} onSignedIn={signedIn} onRestart={restart} />}
        <Button variant="subtle" size="xs" onClick={restart}>
          Use a different account
        </Button>
      </AuthLayout>
    );
  }
  if (step?.next === 'enroll') {
    return (
      <AuthLayout
        title="Add your authenticator"
        subtitle="First sign-in: the console asks for a code from an authenticator app every time. Set it up now."
        width={620}
      >
        <OtpEnrollPanel otpauthUri={step.otpauthUri} secret={step.secret} account={username.trim()} />
        <OperatorCodeStep
          submitLabel="Finish setup"
          onSubmit={async (code) => signedIn((await completeEnrollment.mutateAsync({ ticket: step.ticket, code })).operator)}
          onRestart={restart}
          autoFocus={false}
        />
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title="Sign in to Tessera" subtitle="Operator console for IT staff, helpdesk and auditors.">
      <SubmitForm onSubmit={submitPassword}>
        <SignedOutNotice />
        <TextInput
          label="Username"
          value={username}
          onChange={(e) => setUsername(e.currentTarget.value)}
          error={errors.username}
          autoComplete="username"
          autoFocus
        />
        <PasswordInput
          label="Password"
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={errors.password}
          autoComplete="current-password"
        />
        <ErrorAlert message={formError(login.error)} />
        <Button type="submit" loading={login.isPending} fullWidth>
          Sign in
        </Button>
        <Anchor component={Link} to="/forgot-password" size="sm" ta="center">
          Forgot your password or lost your phone?
        </Anchor>
      </SubmitForm>
    </AuthLayout>
  );
}
