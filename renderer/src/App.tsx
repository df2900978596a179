import { Center, Loader } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { useTRPC } from './api/trpc';
import { Layout } from './components/Layout';
import { OperatorProvider } from './lib/session';
import { LoginPage, RedirectAfterSignIn } from './pages/LoginPage';
import { SetupPage } from './pages/SetupPage';
import { ForgotPasswordPage } from './pages/ForgotPasswordPage';
import { ForcedPasswordChange } from './components/auth/ForcedPasswordChange';
import { DashboardPage } from './pages/DashboardPage';
import { UsersPage } from './pages/UsersPage';
import { UserDetailPage } from './pages/UserDetailPage';
import { SettingsPage } from './pages/SettingsPage';
import { ApiClientsPage } from './pages/ApiClientsPage';
import { OperatorsPage } from './pages/OperatorsPage';
import { AuditPage } from './pages/AuditPage';
import { RolloutPage } from './pages/RolloutPage';
import { DirectoryPage } from './pages/DirectoryPage';
import { RadiusPage } from './pages/RadiusPage';
import { ProfilePage } from './pages/ProfilePage';
import { NotFoundPage } from './pages/NotFoundPage';
import { RequireRole } from './components/RequireRole';

/**
 * Signed out: setup, login, forgot password. Signed in with a password someone else set: only the
 * screen to choose one's own. Signed in: the console, with each page behind its role set.
 */
export function App() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const location = useLocation();

  if (me.isPending) {
    return (
      <Center h="100%">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (!me.data) {
    return (
      <Routes>
        <Route path="/setup" element={<SetupPage />} />
        <Route path="/login" element={<LoginPage />} />
        <Route path="/forgot-password" element={<ForgotPasswordPage />} />
        <Route path="*" element={<Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />} />
      </Routes>
    );
  }
  // A password someone else set: nothing but choosing one's own (the server refuses the rest too).
  if (me.data.operator.mustChangePassword) return <ForcedPasswordChange operator={me.data.operator} />;
  return (
    <OperatorProvider operator={me.data.operator}>
      <Layout>
        <Routes>
          <Route path="/" element={<Navigate to={me.data.operator.role === 'helpdesk' ? '/users' : '/dashboard'} replace />} />
          <Route path="/login" element={<RedirectAfterSignIn />} />
          <Route path="/setup" element={<Navigate to="/" replace />} />
          <Route
            path="/dashboard"
            element={
              <RequireRole set="audit">
                <DashboardPage />
              </RequireRole>
            }
          />
          <Route
            path="/users"
            element={
              <RequireRole set="readUsers">
                <UsersPage />
              </RequireRole>
            }
          />
          <Route
            path="/users/:username"
            element={
              <RequireRole set="readUsers">
                <UserDetailPage />
              </RequireRole>
            }
          />
          <Route
            path="/settings"
            element={
              <RequireRole set="audit">
                <SettingsPage />
              </RequireRole>
            }
          />
          <Route
            path="/api-clients"
            element={
              <RequireRole set="audit">
                <ApiClientsPage />
              </RequireRole>
            }
          />
          <Route
            path="/operators"
            element={
              <RequireRole set="audit">
                <OperatorsPage />
              </RequireRole>
            }
          />
          <Route
            path="/audit"
            element={
              <RequireRole set="audit">
                <AuditPage />
              </RequireRole>
            }
          />
          <Route
            path="/directory"
            element={
              <RequireRole set="audit">
                <DirectoryPage />
              </RequireRole>
            }
          />
          <Route
            path="/radius"
            element={
              <RequireRole set="audit">
                <RadiusPage />
              </RequireRole>
            }
          />
          <Route
            path="/rollout"
            element={
              <RequireRole set="admin">
                <RolloutPage />
              </RequireRole>
            }
          />
          <Route
            path="/profile"
            element={
              <RequireRole set="anyOperator">
                <ProfilePage />
              </RequireRole>
            }
          />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </Layout>
    </OperatorProvider>
  );
}
