import { Title } from '@mantine/core';

export function SetupPage() {
  return <Title order={2}>Setup</Title>;
}
