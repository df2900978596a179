import { Anchor, Code, List, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { TEMPORARY_PASSWORD_DAYS } from '../../../shared/passwordRules';
import { AuthLayout } from '../components/common/AuthLayout';

/**
 * Where "Forgot your password?" leads: what is true. Tessera sends operators
 * no reset links (a link by email would be a way around the second factor),
 * so the way back in is an administrator's reset, or — for the last
 * administrator — the command line on the server.
 */
export function ForgotPasswordPage() {
  return (
    <AuthLayout
      title="Forgot your password?"
      subtitle="Tessera does not email reset links: a link would let anyone who reads your mail around your second factor. Someone who can vouch for you resets it instead."
      width={560}
    >
      <Stack gap="md">
        <section aria-labelledby="ask-admin">
          <Title order={2} size="h5" id="ask-admin" mb={4}>
            Ask an administrator
          </Title>
          <List size="sm" spacing={4} type="ordered">
            <List.Item>
              They open <b>Operators</b>, choose <b>Reset password…</b> next to your name and give you a temporary password in person or by phone.
            </List.Item>
            <List.Item>Sign in with it and the code from your authenticator app, as usual.</List.Item>
            <List.Item>
              Tessera then asks you to choose a new password before anything else. The temporary one works for {TEMPORARY_PASSWORD_DAYS} days.
            </List.Item>
          </List>
        </section>
        <section aria-labelledby="lost-phone">
          <Title order={2} size="h5" id="lost-phone" mb={4}>
            Lost your phone too?
          </Title>
          <Text size="sm">
            Ask them to also use <b>Reset second factor…</b>: after your password you set up an authenticator app again.
          </Text>
        </section>
        <section aria-labelledby="last-admin">
          <Title order={2} size="h5" id="last-admin" mb={4}>
            The only administrator?
          </Title>
          <Text size="sm">On the computer that runs Tessera, with access to its data folder, run:</Text>
          <Code block my={6}>
            tessera operator reset-password YOUR-USERNAME
          </Code>
          <Text size="sm">It prints a temporary password you must change at sign-in; the reset is in the audit log.</Text>
          <List size="sm" spacing={4} mt={4}>
            <List.Item>
              <Code>--second-factor</Code> if you lost your phone too: you set up your authenticator app again.
            </List.Item>
            <List.Item>
              <Code>--data DIR</Code> if Tessera's data folder is not the default one.
            </List.Item>
          </List>
        </section>
        <Anchor component={Link} to="/login" size="sm">
          Back to sign in
        </Anchor>
      </Stack>
    </AuthLayout>
  );
}
