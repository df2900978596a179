import { createTheme, Drawer, Modal } from '@mantine/core';

/**
 * Default Mantine theme values only: they are in @mantine/core/styles.css, so nothing is injected at run time.
 * Modals and drawers do not lock the page's scroll through react-remove-scroll, which injects an inline
 * <style> the console's CSP refuses; mantine-classes.css locks it with a static rule instead.
 */
export const theme = createTheme({
  components: {
    Modal: Modal.extend({ defaultProps: { lockScroll: false } }),
    Drawer: Drawer.extend({ defaultProps: { lockScroll: false } }),
  },
});
