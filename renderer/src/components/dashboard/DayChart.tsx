import { Center, Paper, Stack, Text, Title, useComputedColorScheme } from '@mantine/core';
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

/** recharts draws SVG with colours as attributes: the grid, axis text and tooltip per colour scheme (Mantine's gray-2/dark-5 and so on). */
const CHART_INK = {
  light: { grid: '#e9ecef', tick: '#666666', tooltip: { background: '#ffffff', border: '#dee2e6', text: '#212529' } },
  dark: { grid: '#3b3b3b', tick: '#b8b8b8', tooltip: { background: '#2e2e2e', border: '#424242', text: '#c9c9c9' } },
} as const;

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
  const ink = CHART_INK[useComputedColorScheme('light')];
  const axes = (
    <>
      <CartesianGrid strokeDasharray="3 3" vertical={false} stroke={ink.grid} />
      <XAxis dataKey="day" tickFormatter={tickOf} tick={{ fontSize: 11, fill: ink.tick }} stroke={ink.grid} minTickGap={24} tickLine={false} />
      <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: ink.tick }} width={40} tickLine={false} axisLine={false} />
      <Tooltip
        labelFormatter={(d) => tickOf(String(d))}
        formatter={(v) => formatNumber(Number(v))}
        contentStyle={{ background: ink.tooltip.background, borderColor: ink.tooltip.border, color: ink.tooltip.text }}
        cursor={{ fill: ink.grid, fillOpacity: 0.5 }}
      />
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
          <Center h={height} bg="var(--tessera-hover)" className="chart-empty">
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
