import { Center, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatNumber } from '../../lib/format';

export interface DaySeries {
  key: string;
  label: string;
  color: string;
}

const dayLabel = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const tickOf = (day: string) => dayLabel.format(new Date(`${day}T00:00:00Z`));

/**
 * A per-day chart (recharts) in a card, with a text summary for screen
 * readers and a clear empty state when every value is zero.
 */
export function DayChart<T extends { day: string }>({
  title,
  description,
  data,
  series,
  kind = 'bar',
  stacked = false,
  emptyText,
  height = 240,
}: {
  title: string;
  description?: ReactNode;
  data: T[];
  series: DaySeries[];
  kind?: 'bar' | 'line';
  stacked?: boolean;
  emptyText: string;
  height?: number;
}) {
  const totals = series.map((s) => ({ ...s, total: data.reduce((n, d) => n + Number((d as Record<string, unknown>)[s.key] ?? 0), 0) }));
  const empty = totals.every((t) => t.total === 0);
  const summary = `${title}, last ${data.length} days: ${totals.map((t) => `${t.label} ${formatNumber(t.total)}`).join(', ')}`;
  const axes = (
    <>
      <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e9ecef" />
      <XAxis dataKey="day" tickFormatter={tickOf} tick={{ fontSize: 11 }} minTickGap={24} tickLine={false} />
      <YAxis allowDecimals={false} tick={{ fontSize: 11 }} width={40} tickLine={false} axisLine={false} />
      <Tooltip labelFormatter={(d) => tickOf(String(d))} formatter={(v) => formatNumber(Number(v))} />
      <Legend iconType="circle" iconSize={8} wrapperStyle={{ fontSize: 12 }} />
    </>
  );
  return (
    <Paper withBorder radius="md" p="md">
      <Stack gap="xs">
        <div>
          <Title order={3} size="h5">
            {title}
          </Title>
          {description && (
            <Text size="xs" c="dimmed">
              {description}
            </Text>
          )}
        </div>
        {empty ? (
          <Center h={height} bg="gray.0" className="chart-empty">
            <Text size="sm" c="dimmed">
              {emptyText}
            </Text>
          </Center>
        ) : (
          <div role="img" aria-label={summary}>
            <ResponsiveContainer width="100%" height={height}>
              {kind === 'bar' ? (
                <BarChart data={data} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
                  {axes}
                  {series.map((s) => (
                    <Bar
                      key={s.key}
                      dataKey={s.key}
                      name={s.label}
                      fill={s.color}
                      stackId={stacked ? 'a' : undefined}
                      maxBarSize={18}
                      radius={stacked ? 0 : [3, 3, 0, 0]}
                      isAnimationActive={false}
                    />
                  ))}
                </BarChart>
              ) : (
                <LineChart data={data} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
                  {axes}
                  {series.map((s) => (
                    <Line key={s.key} type="monotone" dataKey={s.key} name={s.label} stroke={s.color} strokeWidth={2} dot={false} isAnimationActive={false} />
                  ))}
                </LineChart>
              )}
            </ResponsiveContainer>
          </div>
        )}
      </Stack>
    </Paper>
  );
}
