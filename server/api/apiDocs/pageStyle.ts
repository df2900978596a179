/**
 * The API docs page's own stylesheet (served as /api-docs/page.css, after
 * Swagger UI's): a header like the console's bar, linking back to it, and
 * the sign-in notice. Light only: Swagger UI's stylesheet has no dark theme.
 */
export const API_DOCS_PAGE_STYLE = String.raw`:root { color-scheme: light; }
body { margin: 0; background: #fff; color: #1a1b1e; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.tessera-bar { display: flex; align-items: center; gap: 12px; height: 56px; padding: 0 16px; border-bottom: 1px solid #dee2e6; background: #fff; }
.tessera-bar .brand { display: flex; align-items: center; gap: 12px; font-weight: 700; font-size: 20px; color: #000; text-decoration: none; }
.tessera-bar .logo { display: inline-grid; place-items: center; width: 36px; height: 36px; border-radius: 8px; background: #228be6; color: #fff; font-size: 18px; }
.tessera-bar .page-name { font-size: 16px; color: #868e96; padding-left: 12px; border-left: 1px solid #dee2e6; }
.tessera-bar nav { margin-left: auto; }
.tessera-bar nav a { display: inline-block; padding: 6px 14px; border: 1px solid #ced4da; border-radius: 6px; color: #1a1b1e; font-size: 14px; font-weight: 600; text-decoration: none; }
.tessera-bar nav a:hover { background: #f8f9fa; }
.tessera-bar a:focus-visible { outline: 2px solid #228be6; outline-offset: 2px; }
.status { margin: 24px 20px; padding: 12px 16px; border: 1px solid #ffc9c9; border-radius: 8px; background: #fff5f5; color: #c92a2a; font-weight: 500; }
.swagger-ui .information-container.wrapper { padding-top: 8px; }
`;
