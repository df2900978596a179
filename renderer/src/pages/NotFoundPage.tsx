import { Button, Paper } from '@mantine/core';
import { Link, useLocation } from 'react-router';
import { IconCompass } from '../components/common/icons';
import { PageHeader } from '../components/common/PageHeader';
import { NothingHere } from '../components/common/States';

/** An unknown console address. */
export function NotFoundPage() {
  const location = useLocation();
  return (
    <>
      <PageHeader title="Page not found" />
      <Paper withBorder radius="md" p="xl">
        <NothingHere
          icon={<IconCompass size={28} />}
          title="Nothing at this address"
          description={
            <>
              There is no console page at <code>{location.pathname}</code>. It may have moved, or the link is mistyped.
            </>
          }
        >
          <Button component={Link} to="/">
            Go to the start page
          </Button>
          <Button component={Link} to="/users" variant="default">
            Find a user
          </Button>
        </NothingHere>
      </Paper>
    </>
  );
}
