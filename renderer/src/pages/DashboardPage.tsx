import { Anchor, SegmentedControl, Skeleton, Stack } from '@mantine/core';
import { useIdle } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { useTRPC } from '../api/trpc';
import { DayChart } from '../components/dashboard/DayChart';
import { GettingStarted } from '../components/dashboard/GettingStarted';
import { StatCard } from '../components/dashboard/StatCard';
import { IconAlert, IconLock, IconUserOff, IconUsers } from '../components/common/icons';
import { PageHeader } from '../components/common/PageHeader';
import { ErrorState } from '../components/common/States';
import { useCan } from '../lib/session';
import { formatNumber, plural } from '../lib/format';
import '../components/common/common.css';

const PERIODS = [
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
];

/** How Tessera is doing: users, who still lacks a factor, and enrollments, verifies, failures, lockouts and codes sent per day. */
export function DashboardPage() {
  const trpc = useTRPC();
  const [days, setDays] = useState('30');
  // Fresh numbers every minute while someone is at the console; an unattended dashboard stops asking after
  // 5 minutes, so its refresh does not keep the session alive past the idle sign-out (each call restarts it).
  const unattended = useIdle(5 * 60_000, { initialState: false });
  const stats = useQuery({ ...trpc.dashboard.stats.queryOptions({ days: Number(days) }), refetchInterval: unattended ? false : 60_000 });
  const canAudit = useCan('audit');

  const header = (
    <PageHeader
      title="Dashboard"
      description="Users and authentication activity (days in UTC)."
      actions={<SegmentedControl size="xs" value={days} onChange={setDays} data={PERIODS} aria-label="Period" />}
    />
  );
  if (stats.isError) {
    return (
      <>
        {header}
        <ErrorState error={stats.error} title="Could not load the dashboard" onRetry={() => void stats.refetch()} />
      </>
    );
  }
  if (!stats.data) {
    return (
      <>
        {header}
        <div className="stat-grid">
          {[0, 1, 2, 3].map((i) => (
            <Skeleton key={i} h={104} radius="md" />
          ))}
        </div>
        <Skeleton h={300} mt="md" radius="md" />
      </>
    );
  }

  const s = stats.data;
  const sum = (k: 'verifyFailure' | 'lockouts' | 'throttled' | 'enrollments' | 'verifySuccess' | 'codeSent' | 'codeNotDelivered') =>
    s.days.reduce((n, d) => n + d[k], 0);
  const period = `last ${days} days`;
  return (
    <Stack gap="md">
      {header}
      <GettingStarted />
      <div className="stat-grid">
        <StatCard
          label="Users"
          value={s.users}
          icon={<IconUsers />}
          to="/users"
          linkLabel="Open the user list"
          hint={`${plural(sum('enrollments'), 'enrollment')} in the ${period} · ${formatNumber(s.usersWithSecurityKey)} with a security key`}
        />
        <StatCard
          label="Without an active factor"
          value={s.usersWithoutFactor}
          icon={<IconUserOff />}
          color={s.usersWithoutFactor > 0 ? 'orange' : 'teal'}
          to="/users?withoutFactor=1"
          linkLabel="List the users without an active factor"
          hint={
            s.pendingEnrollments > 0
              ? `${plural(s.pendingEnrollments, 'enrollment')} waiting for a first code`
              : s.usersWithoutFactor > 0
                ? 'Cannot pass MFA yet'
                : 'Everyone can pass MFA'
          }
        />
        <StatCard
          label="Failed verifies"
          value={sum('verifyFailure')}
          icon={<IconAlert />}
          color="red"
          hint={`${formatNumber(sum('verifySuccess'))} accepted in the ${period}`}
          {...(canAudit ? { to: '/audit?action=verify&outcome=failure', linkLabel: 'Open the failed verifies in the audit log' } : {})}
        />
        <StatCard
          label="Lockouts"
          value={sum('lockouts')}
          icon={<IconLock />}
          color="orange"
          hint={`${formatNumber(sum('throttled'))} throttled requests in the ${period}`}
          {...(canAudit ? { to: '/audit?action=verify&outcome=denied', linkLabel: 'Open the refused verifies in the audit log' } : {})}
        />
      </div>
      <DayChart
        title="Verifications per day"
        description="Codes checked for applications: accepted, wrong, and refused by the throttle."
        data={s.days}
        kind="bar"
        stacked
        series={[
          { key: 'verifySuccess', label: 'Accepted', color: '#2f9e44' },
          { key: 'verifyFailure', label: 'Wrong code', color: '#e03131' },
          { key: 'throttled', label: 'Throttled', color: '#f08c00' },
        ]}
        emptyText={`No verifications in the ${period}`}
        height={260}
      />
      <div className="chart-grid">
        <DayChart
          title="Enrollments per day"
          description="Factors confirmed with their first code."
          data={s.days}
          series={[{ key: 'enrollments', label: 'Enrollments', color: '#1c7ed6' }]}
          emptyText={`No enrollments in the ${period}`}
        />
        <DayChart
          title="Failures and lockouts"
          description="Wrong codes, throttled requests and users locked out."
          data={s.days}
          kind="line"
          series={[
            { key: 'verifyFailure', label: 'Wrong code', color: '#e03131' },
            { key: 'throttled', label: 'Throttled', color: '#f08c00' },
            { key: 'lockouts', label: 'Lockouts', color: '#862e9c' },
          ]}
          emptyText={`No failures or lockouts in the ${period}`}
        />
      </div>
      <DayChart
        title="Codes sent by email and SMS"
        description={
          <>
            One-time codes handed to the SMTP server or SMS gateway, and those that were not delivered (refused, failed or no transport set up).
            {sum('codeNotDelivered') > 0 && ` ${plural(sum('codeNotDelivered'), 'code')} not delivered in the ${period}.`}
            {canAudit && sum('codeNotDelivered') > 0 && (
              <>
                {' '}
                <Anchor component={Link} to="/audit?action=code.send&outcome=failure" size="xs">
                  See why in the audit log
                </Anchor>
              </>
            )}
          </>
        }
        data={s.days}
        kind="bar"
        stacked
        series={[
          { key: 'codeSent', label: 'Sent', color: '#1c7ed6' },
          { key: 'codeNotDelivered', label: 'Not delivered', color: '#e03131' },
        ]}
        emptyText={`No codes sent by email or SMS in the ${period}`}
        height={220}
      />
    </Stack>
  );
}
