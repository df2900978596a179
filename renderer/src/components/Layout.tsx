import { AppShell, Badge, Burger, Group, NavLink, Text, Title, Button } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { NavLink as RouterLink, useLocation, useNavigate } from 'react-router';
import { ROLE_LABELS } from '../../../shared/schemas/operators';
import type { RoleSet } from '../../../shared/roles';
import { useTRPC } from '../api/trpc';
import { useCan, useOperator } from '../lib/session';

const NAV: { to: string; label: string; set: RoleSet }[] = [
  { to: '/dashboard', label: 'Dashboard', set: 'readUsers' },
  { to: '/users', label: 'Users', set: 'readUsers' },
  { to: '/audit', label: 'Audit log', set: 'audit' },
  { to: '/settings', label: 'Methods & settings', set: 'audit' },
  { to: '/api-clients', label: 'API clients', set: 'audit' },
  { to: '/operators', label: 'Operators', set: 'audit' },
];

function NavItem({ to, label, set }: { to: string; label: string; set: RoleSet }) {
  const allowed = useCan(set);
  const location = useLocation();
  if (!allowed) return null;
  return <NavLink component={RouterLink} to={to} label={label} active={location.pathname.startsWith(to)} />;
}

export function Layout({ children }: { children: ReactNode }) {
  const [opened, { toggle }] = useDisclosure();
  const operator = useOperator();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      onSettled: async () => {
        queryClient.clear();
        await navigate('/login');
        window.location.reload();
      },
    }),
  );

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Title order={3}>Tessera</Title>
          </Group>
          <Group gap="sm">
            <Text size="sm">{operator.displayName ?? operator.username}</Text>
            <Badge variant="light">{ROLE_LABELS[operator.role]}</Badge>
            <Button variant="subtle" size="xs" onClick={() => logout.mutate()} loading={logout.isPending}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        {NAV.map((n) => (
          <NavItem key={n.to} {...n} />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
