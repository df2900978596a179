import { Title } from '@mantine/core';

export function NotFoundPage() {
  return <Title order={2}>NotFound</Title>;
}
