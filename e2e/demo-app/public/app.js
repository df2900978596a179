// The demo application's page: no inline script (its CSP is script-src 'self').
// @simplewebauthn/browser's UMD bundle defines window.SimpleWebAuthnBrowser.
'use strict';

const { startAuthentication, startRegistration, browserSupportsWebAuthn } = window.SimpleWebAuthnBrowser;
const $ = (id) => document.getElementById(id);

async function api(path, body) {
  const res = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json', 'x-demo': '1' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  return res.json();
}

function say(text, kind) {
  const m = $('message');
  m.textContent = text;
  m.className = kind || 'info';
  m.hidden = !text;
}

/** Tessera's refusal, as the application shows it: the stable reason and the message. */
function refused(r) {
  say(`Refused (${r.reason}): ${r.message}`, 'error');
}

function show(step) {
  for (const id of ['step-password', 'step-second', 'step-done']) $(id).hidden = id !== step;
}

async function refresh() {
  const me = await api('/api/me');
  if (me.stage === 'done') {
    $('welcome').textContent = `Welcome, ${me.displayName || me.user}`;
    show('step-done');
  } else if (me.stage === 'second') {
    $('second-who').textContent = `Signed in with a password as ${me.user}.`;
    $('second-key').hidden = !me.methods.webauthn;
    $('key-or-code').hidden = !(me.methods.webauthn && me.methods.totp);
    $('totp-form').hidden = !me.methods.totp;
    $('second-setup').hidden = me.methods.webauthn || me.methods.totp;
    show('step-second');
  } else {
    show('step-password');
  }
}

async function withKey(optionsPath, verifyPath, extra, done) {
  say('');
  const o = await api(optionsPath, {});
  if (!o.ok) return refused(o);
  let response;
  try {
    response = extra.register ? await startRegistration({ optionsJSON: o.options }) : await startAuthentication({ optionsJSON: o.options });
  } catch (err) {
    return say(`The browser did not use a key: ${err.message}`, 'error');
  }
  const v = await api(verifyPath, { response, ...(extra.label ? { label: extra.label } : {}) });
  if (!v.ok) return refused(v);
  await done(v);
}

$('password-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  say('');
  const r = await api('/api/login', { username: $('username').value, password: $('password').value });
  if (!r.ok) return say(r.message, 'error');
  $('password').value = '';
  await refresh();
});

$('passkey-signin').addEventListener('click', () =>
  withKey('/api/passkey/options', '/api/passkey/verify', {}, async (v) => {
    say(`Signed in with a passkey as ${v.user}.`, 'ok');
    await refresh();
  }),
);

$('use-key').addEventListener('click', () =>
  withKey('/api/key/options', '/api/key/verify', {}, async () => {
    say('Security key accepted.', 'ok');
    await refresh();
  }),
);

$('totp-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const r = await api('/api/totp', { code: $('code').value });
  $('code').value = '';
  if (!r.ok) return refused(r);
  say('Code accepted.', 'ok');
  await refresh();
});

$('setup-key').addEventListener('click', () =>
  withKey('/api/register/options', '/api/register/verify', { register: true, label: $('setup-label').value }, async (v) => {
    say(`Security key added (${v.factor.label}).`, 'ok');
    await refresh();
  }),
);

$('add-key').addEventListener('click', () =>
  withKey('/api/register/options', '/api/register/verify', { register: true, label: $('add-label').value }, async (v) => {
    $('add-label').value = '';
    say(`Security key added (${v.factor.label}, ${v.factor.model}).`, 'ok');
    await refresh();
  }),
);

for (const id of ['signout', 'second-cancel']) {
  $(id).addEventListener('click', async () => {
    await api('/api/logout', {});
    say('');
    await refresh();
  });
}

if (!browserSupportsWebAuthn()) say('This browser does not support security keys or passkeys.', 'error');
refresh();
