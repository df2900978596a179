import { Anchor, Badge, Burger, Button, Group, NavLink, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, type MouseEvent, type ReactNode } from 'react';
import { NavLink as RouterLink, useLocation, useNavigate } from 'react-router';
import { ROLE_LABELS } from '../../../shared/schemas/operators';
import type { RoleSet } from '../../../shared/roles';
import { useTRPC } from '../api/trpc';
import { useCan, useOperator } from '../lib/session';
import { ColorSchemeMenu } from './shell/ColorSchemeMenu';
import { IdleWarning } from './shell/IdleWarning';
import './common/common.css';
import './layout.css';

const NAV: { to: string; label: string; set: RoleSet }[] = [
  { to: '/dashboard', label: 'Dashboard', set: 'audit' },
  { to: '/users', label: 'Users', set: 'readUsers' },
  { to: '/rollout', label: 'Sheet rollout', set: 'admin' },
  { to: '/audit', label: 'Audit log', set: 'audit' },
  { to: '/settings', label: 'Methods & settings', set: 'audit' },
  { to: '/directory', label: 'Directory', set: 'audit' },
  { to: '/radius', label: 'RADIUS', set: 'audit' },
  { to: '/api-clients', label: 'API clients', set: 'audit' },
  { to: '/operators', label: 'Operators', set: 'audit' },
];

function NavItem({ to, label, set }: { to: string; label: string; set: RoleSet }) {
  const allowed = useCan(set);
  const location = useLocation();
  if (!allowed) return null;
  return <NavLink component={RouterLink} to={to} label={label} active={location.pathname.startsWith(to)} />;
}

/** The skip link's target gets the focus (and the view) without changing the address, which the router owns. */
function skipToContent(e: MouseEvent<HTMLAnchorElement>) {
  const main = document.getElementById('main');
  if (!main) return;
  e.preventDefault();
  main.focus();
  main.scrollIntoView({ block: 'start' });
}

/**
 * The signed-in console: a skip link (the first thing Tab reaches), the header (who, role, appearance,
 * sign out), navigation for the operator's role, the page in <main>, and the idle sign-out warning.
 */
export function Layout({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const operator = useOperator();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(close, [location.pathname, close]);
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
    <div className="shell" data-nav-open={opened || undefined}>
      <a href="#main" className="skip-link" onClick={skipToContent}>
        Skip to content
      </a>
      <header className="shell-header">
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <span className="brand-mark" aria-hidden="true">
              T
            </span>
            {/* On a phone the mark alone: the header keeps room for the name, appearance and Sign out. */}
            <Text fw={700} size="lg" visibleFrom="xs">
              Tessera
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap" miw={0} className="shell-user">
            <Anchor
              component={RouterLink}
              to="/profile"
              size="sm"
              className="truncate"
              maw={260}
              title={`${operator.username}: your profile and security keys`}
            >
              {operator.displayName ?? operator.username}
            </Anchor>
            <Badge variant="light" visibleFrom="sm">
              {ROLE_LABELS[operator.role]}
            </Badge>
            <ColorSchemeMenu />
            <Button variant="subtle" size="xs" onClick={() => logout.mutate()} loading={logout.isPending}>
              Sign out
            </Button>
          </Group>
        </Group>
      </header>
      <nav className="shell-nav" aria-label="Main">
        <div className="shell-nav-inner">
          {NAV.map((n) => (
            <NavItem key={n.to} {...n} />
          ))}
        </div>
      </nav>
      <main className="shell-main" id="main" tabIndex={-1}>
        <div className="shell-main-inner">{children}</div>
      </main>
      <IdleWarning />
    </div>
  );
}
