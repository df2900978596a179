import { Title } from '@mantine/core';

export function OperatorsPage() {
  return <Title order={2}>Operators</Title>;
}
