import { Title } from '@mantine/core';

export function ApiClientsPage() {
  return <Title order={2}>ApiClients</Title>;
}
