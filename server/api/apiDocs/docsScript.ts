/**
 * The API docs page's script (served as /api-docs/docs.js): plain browser
 * JavaScript, kept as a string so the server bundle (Electron) carries it
 * without a file beside it. It fetches the OpenAPI document through the
 * console's session, draws every operation with its parameters, body and
 * responses, and offers "Try it": a request to this server's /api/v1 with
 * the API key typed on the page (kept in memory only). It builds the DOM
 * with createElement/textContent only (no innerHTML, no eval, no inline
 * style), so it runs under the page's strict CSP (apiDocsRoute.ts).
 * No backtick or dollar-brace in it: it lives in a String.raw template.
 */
export const API_DOCS_SCRIPT = String.raw`'use strict';
(function () {
  var CSRF = document.documentElement.getAttribute('data-csrf-header') || 'x-tessera-csrf';
  var main = document.getElementById('docs');
  var keyInput = document.getElementById('api-key');

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false) return;
        if (k === 'text') node.textContent = String(attrs[k]);
        else node.setAttribute(k, attrs[k] === true ? '' : String(attrs[k]));
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  /** Text with Markdown code spans (between backquotes) as code elements. */
  function rich(tag, cls, text) {
    var parts = String(text).split(String.fromCharCode(96));
    return el(tag, { class: cls }, parts.map(function (part, i) { return i % 2 ? el('code', { text: part }) : part; }));
  }

  function say(text, cls) {
    main.replaceChildren(el('p', { class: cls || 'note', role: cls === 'error' ? 'alert' : 'status', text: text }));
  }

  /** A value that fits a JSON schema, for the body a "Try it" starts with. */
  function example(schema, depth) {
    if (!schema || depth > 6) return null;
    if (schema.example !== undefined) return schema.example;
    if (schema.default !== undefined) return schema.default;
    if (schema.const !== undefined) return schema.const;
    if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
    var alt = schema.anyOf || schema.oneOf || schema.allOf;
    if (Array.isArray(alt) && alt.length) return example(alt[0], depth + 1);
    var type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    if (type === 'object' || schema.properties) {
      var out = {};
      var props = schema.properties || {};
      var required = schema.required || Object.keys(props);
      required.forEach(function (name) { out[name] = example(props[name], depth + 1); });
      return out;
    }
    if (type === 'array') return [example(schema.items, depth + 1)];
    if (type === 'integer' || type === 'number') return schema.minimum !== undefined ? schema.minimum : 0;
    if (type === 'boolean') return false;
    if (type === 'string') {
      if (schema.format === 'date-time') return new Date().toISOString();
      return 'string';
    }
    return null;
  }

  function schemaBlock(label, schema) {
    return el('details', { class: 'schema' }, [
      el('summary', { text: label }),
      el('pre', { class: 'code', text: JSON.stringify(schema, null, 2) }),
    ]);
  }

  function operationId(method, path) {
    return 'op-' + method + '-' + path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
  }

  function tryIt(base, method, path, op) {
    var params = op.parameters || [];
    var inputs = {};
    var fields = params.map(function (p) {
      var id = operationId(method, path) + '-' + p.in + '-' + p.name;
      var input = el('input', { id: id, name: p.name, type: 'text', autocomplete: 'off', spellcheck: 'false', required: p.required || null });
      inputs[p.in + ':' + p.name] = input;
      return el('div', { class: 'field' }, [el('label', { for: id, text: p.name + ' (' + p.in + (p.required ? ', required' : '') + ')' }), input]);
    });
    var body = null;
    var content = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
    if (content) {
      var bodyId = operationId(method, path) + '-body';
      body = el('textarea', { id: bodyId, class: 'code', rows: 8, spellcheck: 'false' });
      body.value = JSON.stringify(example(content.schema, 0), null, 2);
      fields.push(el('div', { class: 'field' }, [el('label', { for: bodyId, text: 'Request body (JSON)' }), body]));
    }
    var result = el('div', { class: 'result', 'aria-live': 'polite' });
    var send = el('button', { type: 'submit', class: 'send', text: 'Send ' + method.toUpperCase() + ' ' + base + path });
    var form = el('form', { class: 'try', novalidate: true }, fields.concat([send, result]));
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var key = keyInput.value.trim();
      if (!key) {
        result.replaceChildren(el('p', { class: 'error', role: 'alert', text: 'Enter an API key at the top of the page first.' }));
        keyInput.focus();
        return;
      }
      var url = base + path.replace(/\{([^}]+)\}/g, function (_m, name) {
        var v = inputs['path:' + name];
        return encodeURIComponent(v ? v.value : '');
      });
      var query = new URLSearchParams();
      params.forEach(function (p) {
        var v = inputs[p.in + ':' + p.name];
        if (p.in === 'query' && v && v.value !== '') query.set(p.name, v.value);
      });
      if (query.toString()) url += '?' + query.toString();
      var headers = { authorization: 'Bearer ' + key, accept: 'application/json' };
      var init = { method: method.toUpperCase(), headers: headers, credentials: 'omit', cache: 'no-store' };
      if (body) {
        try {
          JSON.parse(body.value);
        } catch (err) {
          result.replaceChildren(el('p', { class: 'error', role: 'alert', text: 'The request body is not valid JSON: ' + err.message }));
          return;
        }
        headers['content-type'] = 'application/json';
        init.body = body.value;
      }
      send.disabled = true;
      result.replaceChildren(el('p', { class: 'note', text: 'Sending...' }));
      fetch(url, init)
        .then(function (res) {
          return res.text().then(function (text) {
            var shown = text;
            try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (_e) { /* not JSON: as it came */ }
            var retry = res.headers.get('retry-after');
            result.replaceChildren(
              el('p', { class: 'status ' + (res.ok ? 'ok' : 'bad'), 'data-testid': 'try-status', text: 'HTTP ' + res.status + (res.statusText ? ' ' + res.statusText : '') + (retry ? ' (Retry-After: ' + retry + ' s)' : '') }),
              el('pre', { class: 'code', 'data-testid': 'try-body', text: shown || '(no body)' }),
            );
          });
        })
        .catch(function (err) {
          result.replaceChildren(el('p', { class: 'error', role: 'alert', text: 'The request failed: ' + err.message }));
        })
        .finally(function () { send.disabled = false; });
    });
    return el('details', { class: 'try-panel' }, [el('summary', { text: 'Try it' }), form]);
  }

  function operation(base, method, path, op) {
    var id = operationId(method, path);
    var params = op.parameters || [];
    var responses = op.responses || {};
    var content = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
    return el('section', { class: 'op', id: id, 'aria-labelledby': id + '-title' }, [
      el('h3', { id: id + '-title' }, [el('span', { class: 'method m-' + method, text: method.toUpperCase() }), ' ', el('code', { text: base + path })]),
      op.summary ? el('p', { class: 'summary', text: op.summary }) : null,
      op.description ? rich('p', 'note', op.description) : null,
      params.length
        ? el('table', { class: 'params' }, [
            el('caption', { text: 'Parameters' }),
            el('thead', null, [el('tr', null, [el('th', { text: 'Name' }), el('th', { text: 'In' }), el('th', { text: 'Type' }), el('th', { text: 'Required' })])]),
            el(
              'tbody',
              null,
              params.map(function (p) {
                var s = p.schema || {};
                return el('tr', null, [el('td', null, [el('code', { text: p.name })]), el('td', { text: p.in }), el('td', { text: String(s.type || 'any') + (s.maxLength ? ' (at most ' + s.maxLength + ')' : '') }), el('td', { text: p.required ? 'yes' : 'no' })]);
              }),
            ),
          ])
        : null,
      content ? schemaBlock('Request body schema', content.schema) : null,
      el('h4', { text: 'Responses' }),
      el(
        'ul',
        { class: 'responses' },
        Object.keys(responses).map(function (status) {
          var r = responses[status];
          var s = r.content && r.content['application/json'] && r.content['application/json'].schema;
          return el('li', null, [el('span', { class: 'code-status s' + status.charAt(0), text: status }), ' ' + (r.description || ''), s ? schemaBlock('Schema', s) : null]);
        }),
      ),
      tryIt(base, method, path, op),
    ]);
  }

  function render(doc) {
    var base = (doc.servers && doc.servers[0] && doc.servers[0].url) || '';
    var byTag = {};
    var order = [];
    Object.keys(doc.paths || {}).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method];
        var tag = (op.tags && op.tags[0]) || 'other';
        if (!byTag[tag]) { byTag[tag] = []; order.push(tag); }
        byTag[tag].push({ path: path, method: method, op: op });
      });
    });
    var info = doc.info || {};
    document.getElementById('doc-version').textContent = 'OpenAPI ' + doc.openapi + ' · API version ' + (info.version || '?');
    var nav = el('nav', { class: 'toc', 'aria-label': 'Operations' }, [
      el('h2', { text: 'Operations' }),
      el('ul', null, order.map(function (tag) {
        return el('li', null, [tag, el('ul', null, byTag[tag].map(function (o) {
          return el('li', null, [el('a', { href: '#' + operationId(o.method, o.path) }, [el('span', { class: 'method m-' + o.method, text: o.method.toUpperCase() }), ' ' + o.path])]);
        }))]);
      })),
    ]);
    var sections = order.map(function (tag) {
      return el('section', { class: 'tag', 'aria-label': tag }, [el('h2', { text: tag }), ].concat(byTag[tag].map(function (o) { return operation(base, o.method, o.path, o.op); })));
    });
    main.replaceChildren.apply(main, [rich('p', 'lead', info.description || ''), nav].concat(sections));
    if (location.hash) {
      var target = document.getElementById(location.hash.slice(1));
      if (target) target.scrollIntoView();
    }
  }

  say('Loading the API description...');
  var headers = {};
  headers[CSRF] = '1';
  fetch('/console/api-docs/openapi.json', { headers: headers, credentials: 'same-origin', cache: 'no-store' })
    .then(function (res) {
      if (res.status === 401) throw new Error('Sign in to the console first, then open this page again.');
      if (res.status === 403) throw new Error('Your role does not show the API description (admins and auditors see it).');
      if (!res.ok) throw new Error('The API description could not be loaded (HTTP ' + res.status + ').');
      return res.json();
    })
    .then(render)
    .catch(function (err) { say(err.message, 'error'); });
})();
`;
