import { Title } from '@mantine/core';

export function UserDetailPage() {
  return <Title order={2}>UserDetail</Title>;
}
