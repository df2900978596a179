/**
 * The API docs page's own script (served as /api-docs/init.js, a file: the
 * page's CSP allows no inline script), run after Swagger UI's bundle. Kept as
 * a string so the desktop app's server bundle carries it without a file
 * beside it. It:
 * - fetches the OpenAPI document through the console's session, with the
 *   CSRF header that console routes need (a signed-out or helpdesk visitor
 *   gets a sentence saying what to do instead of Swagger UI's fetch error);
 * - starts Swagger UI on it with everything that would reach the network
 *   or keep the key switched off: no validator badge (validator.swagger.io),
 *   no config from the query string, no deep links, persistAuthorization
 *   off (the pasted key lives in memory only, gone on reload);
 * - lets "Try it out" send only to this server's /api/v1 and without the
 *   console's cookies (the API authenticates by key alone).
 * Plain ES5-ish browser JavaScript; no backtick or dollar-brace (String.raw).
 */
export const API_DOCS_INITIALIZER = String.raw`'use strict';
(function () {
  var root = document.documentElement;
  var csrfHeader = root.getAttribute('data-csrf-header');
  var specUrl = root.getAttribute('data-spec-url');
  var status = document.getElementById('docs-status');

  function say(text) {
    status.textContent = text;
    status.hidden = false;
  }

  function onlyOurApi(req) {
    var url = new URL(req.url, window.location.href);
    if (url.origin !== window.location.origin || url.pathname.indexOf('/api/v1/') !== 0) {
      throw new Error('This page sends requests only to this server\u2019s /api/v1');
    }
    req.credentials = 'omit';
    return req;
  }

  var headers = { accept: 'application/json' };
  headers[csrfHeader] = '1';
  fetch(specUrl, { headers: headers, credentials: 'same-origin', cache: 'no-store' })
    .then(function (res) {
      if (res.status === 401) throw new Error('Sign in to the console first, then open this page again.');
      if (res.status === 403) throw new Error('The API docs are for admins and auditors; your role cannot open them.');
      if (!res.ok) throw new Error('The OpenAPI document could not be loaded (HTTP ' + res.status + '); reload the page.');
      return res.json();
    })
    .then(function (spec) {
      window.ui = window.SwaggerUIBundle({
        spec: spec,
        domNode: document.getElementById('swagger-ui'),
        validatorUrl: 'none',
        queryConfigEnabled: false,
        deepLinking: false,
        persistAuthorization: false,
        withCredentials: false,
        tryItOutEnabled: false,
        requestInterceptor: onlyOurApi
      });
    })
    .catch(function (err) {
      say(err instanceof TypeError ? 'Tessera could not be reached; check that it is running, then reload.' : err.message);
    });
})();
`;
