import { createTheme } from '@mantine/core';

/** Default Mantine theme values only: they are in @mantine/core/styles.css, so nothing is injected at run time. */
export const theme = createTheme({});
