import { afterEach, describe, expect, it } from 'vitest';
import { SmsGatewayConfig } from '../../../shared/schemas/delivery';
import { type GatewayHandler, sendJson, startGatewayServer, type TestGatewayServer } from '../../testing/gatewayServer';
import { codeSms } from './messages';
import { sendSms } from './smsGateway';

const SECRET = 'tok_9f8e7d6c5b4a';
const CODE = '731904';
const TO = '+447911123456';
const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const message = { to: TO, code: CODE, issuer: 'Acme "IT" & Co', text: codeSms({ issuer: 'Acme "IT" & Co', code: CODE, minutes: 5 }) };

let gateways: TestGatewayServer[] = [];
afterEach(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  gateways = [];
});

async function gateway(handler: GatewayHandler): Promise<TestGatewayServer> {
  const g = await startGatewayServer(handler);
  gateways.push(g);
  return g;
}

/** Through the real schema, so the defaults are the ones stored settings get. */
function httpConfig(url: string, over: Record<string, unknown> = {}): SmsGatewayConfig {
  return SmsGatewayConfig.parse({
    profile: 'http',
    url: `${url}/send`,
    headers: [{ name: 'Authorization', value: 'Bearer {{secret}}' }],
    bodyFormat: 'json',
    bodyTemplate: '{"to":"{{to}}","text":"{{message}}","code":"{{code}}","from":"{{issuer}}"}',
    ...over,
  });
}

function twilioConfig(url: string, over: Record<string, unknown> = {}): SmsGatewayConfig {
  return SmsGatewayConfig.parse({ profile: 'twilio', accountSid: SID, from: '+15005550006', apiBase: url, ...over });
}

function expectClean(text: string) {
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(CODE);
}

describe('sendSms, http profile', () => {
  it('posts the JSON body with every placeholder JSON-escaped and the secret in the header', async () => {
    const g = await gateway((_req, res) => sendJson(res, 200, { id: 'msg-1', status: 'accepted' }));
    const out = await sendSms(httpConfig(g.url), SECRET, message);
    expect(out).toEqual({ ok: true, response: '200 OK: {"id":"msg-1","status":"accepted"}' });
    const [req] = g.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/send');
    expect(req?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.body).toBe(
      `{"to":"+447911123456","text":"731904 is your Acme \\"IT\\" & Co code. It expires in 5 minutes.","code":"731904","from":"Acme \\"IT\\" & Co"}`,
    );
    expect(JSON.parse(req!.body)).toEqual({ to: TO, text: message.text, code: CODE, from: 'Acme "IT" & Co' });
  });

  it('posts a form body with every placeholder URL-encoded', async () => {
    const g = await gateway((_req, res) => res.end('OK'));
    const config = httpConfig(g.url, {
      bodyFormat: 'form',
      bodyTemplate: 'to={{to}}&text={{message}}&sender={{issuer}}',
      headers: [
        { name: 'X-Api-Key', value: '{{secret}}' },
        { name: 'X-Client', value: 'tessera' },
      ],
    });
    const out = await sendSms(config, SECRET, message);
    expect(out).toEqual({ ok: true, response: '200 OK: OK' });
    const [req] = g.requests;
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req?.headers['x-api-key']).toBe(SECRET);
    expect(req?.headers['x-client']).toBe('tessera');
    expect(req?.raw.toString('latin1')).toBe(
      'to=%2B447911123456&text=731904%20is%20your%20Acme%20%22IT%22%20%26%20Co%20code.%20It%20expires%20in%205%20minutes.&sender=Acme%20%22IT%22%20%26%20Co',
    );
    expect(new URLSearchParams(req!.body).get('text')).toBe(message.text);
  });

  it('expands placeholders once: a value holding "{{code}}" stays as it is', async () => {
    const g = await gateway((_req, res) => res.end());
    await sendSms(httpConfig(g.url, { bodyTemplate: '{"a":"{{issuer}}","b":"{{ code }}"}' }), SECRET, { ...message, issuer: '{{code}}' });
    expect(JSON.parse(g.requests[0]!.body)).toEqual({ a: '{{code}}', b: CODE });
  });

  it('a 4xx answer fails with the status and the body', async () => {
    const g = await gateway((_req, res) => sendJson(res, 422, { error: 'invalid destination' }));
    expect(await sendSms(httpConfig(g.url), SECRET, message)).toEqual({
      ok: false,
      error: 'Gateway answered 422 Unprocessable Entity: {"error":"invalid destination"}',
    });
  });

  it('a 5xx answer fails with at most 200 characters of the body', async () => {
    const g = await gateway((_req, res) => {
      res.writeHead(503);
      res.end(`down for maintenance ${'x'.repeat(500)}`);
    });
    const out = await sendSms(httpConfig(g.url), SECRET, message);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error).toMatch(/^Gateway answered 503 Service Unavailable: down for maintenance x+…$/);
    expect(out.error.length).toBeLessThan('Gateway answered 503 Service Unavailable: '.length + 202);
  });

  it('a body that echoes the code and the secret is scrubbed, in errors and answers alike', async () => {
    const echo: GatewayHandler = (req, res) => {
      res.writeHead(req.path === '/fail/send' ? 400 : 200, { 'content-type': 'text/plain' });
      res.end(`rejected ${req.body} with ${req.headers.authorization}`);
    };
    const g = await gateway(echo);
    const bad = await sendSms(httpConfig(`${g.url}/fail`), SECRET, message);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expectClean(bad.error);
      expect(bad.error).toContain('"code":"•••"');
      expect(bad.error).toContain('Bearer •••');
    }
    const good = await sendSms(httpConfig(g.url), SECRET, message);
    expect(good.ok).toBe(true);
    if (good.ok) expectClean(good.response);
    // URL-encoded echoes too
    const form = await sendSms(httpConfig(`${g.url}/fail`, { bodyFormat: 'form', bodyTemplate: 'k={{code}}' }), `${SECRET}/+`, message);
    expect(form.ok).toBe(false);
    if (!form.ok) expect(form.error).not.toMatch(/tok_9f8e7d6c5b4a|731904|%2F%2B/);
  });

  it('times out on a gateway that never answers, within about timeoutMs', async () => {
    const g = await gateway(() => undefined);
    const started = Date.now();
    const out = await sendSms(httpConfig(g.url, { timeoutMs: 1000 }), SECRET, message);
    expect(out).toEqual({ ok: false, error: 'Gateway did not answer within 1 s' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('times out on a gateway that sends headers and then stalls the body', async () => {
    const g = await gateway((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    expect(await sendSms(httpConfig(g.url, { timeoutMs: 1000 }), SECRET, message)).toEqual({ ok: false, error: 'Gateway did not answer within 1 s' });
  });

  it('a slow answer inside the timeout is delivered', async () => {
    const g = await gateway((_req, res) => {
      setTimeout(() => res.end('queued'), 600);
    });
    expect(await sendSms(httpConfig(g.url, { timeoutMs: 1000 }), SECRET, message)).toEqual({ ok: true, response: '200 OK: queued' });
  });

  it('successBodyContains: a 200 without the word fails, with it succeeds', async () => {
    const g = await gateway((req, res) => res.end(req.path === '/ok/send' ? '{"result":"queued"}' : '{"result":"error","reason":"no credit"}'));
    const config = (path: string) => httpConfig(`${g.url}${path}`, { successBodyContains: '"queued"' });
    expect(await sendSms(config('/bad'), SECRET, message)).toEqual({
      ok: false,
      error: 'Gateway answered 200 OK without “"queued"” in its answer: {"result":"error","reason":"no credit"}',
    });
    expect(await sendSms(config('/ok'), SECRET, message)).toEqual({ ok: true, response: '200 OK: {"result":"queued"}' });
  });

  it('successStatuses: only the listed statuses count', async () => {
    const g = await gateway((_req, res) => {
      res.writeHead(200);
      res.end();
    });
    expect(await sendSms(httpConfig(g.url, { successStatuses: [202] }), SECRET, message)).toEqual({ ok: false, error: 'Gateway answered 200 OK' });
    expect((await sendSms(httpConfig(g.url, { successStatuses: [200, 202] }), SECRET, message)).ok).toBe(true);
  });

  it('reads at most 16 KB of an answer', async () => {
    const g = await gateway((_req, res) => {
      res.writeHead(500);
      res.write('y'.repeat(64 * 1024));
      // and never ends: a bounded read does not wait for the rest
    });
    const started = Date.now();
    const out = await sendSms(httpConfig(g.url, { timeoutMs: 5000 }), SECRET, message);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toMatch(/^Gateway answered 500 Internal Server Error: y{200}…$/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses to follow a redirect', async () => {
    const g = await gateway((req, res) => {
      res.writeHead(302, { location: `${g.url}/elsewhere` });
      res.end();
    });
    expect(await sendSms(httpConfig(g.url), SECRET, message)).toEqual({
      ok: false,
      error: 'The gateway answered with a redirect, which is not followed: give the URL it redirects to',
    });
    expect(g.requests).toHaveLength(1);
  });

  it('names a refused connection', async () => {
    const g = await gateway(() => undefined);
    const url = g.url;
    await g.close();
    gateways = [];
    expect(await sendSms(httpConfig(url), SECRET, message)).toEqual({ ok: false, error: 'Could not reach the gateway: ECONNREFUSED' });
  });

  it('fails without sending when a header needs the secret and none is stored, or the template is not JSON', async () => {
    const g = await gateway((_req, res) => res.end());
    expect(await sendSms(httpConfig(g.url), null, message)).toEqual({
      ok: false,
      error: 'The gateway header Authorization uses {{secret}} but no secret is stored',
    });
    expect(await sendSms(httpConfig(g.url, { bodyTemplate: '{"to": {{to}} }' }), SECRET, message)).toEqual({
      ok: false,
      error: 'The body template is not valid JSON once filled in: put each {{…}} inside double quotes',
    });
    expect(await sendSms(httpConfig(g.url), 'a\r\nX-Injected: 1', message)).toEqual({
      ok: false,
      error: 'The gateway header Authorization cannot hold the stored secret: it contains a line break',
    });
    expect(g.requests).toHaveLength(0);
  });

  it('throws for a destination that is not E.164 (a programmer error)', async () => {
    await expect(sendSms(httpConfig('http://127.0.0.1:9'), SECRET, { ...message, to: '07911 123456' })).rejects.toThrow(TypeError);
  });
});

/** Answers the way Twilio's Messages API does. */
const twilio: GatewayHandler = (req, res) => {
  const form = new URLSearchParams(req.body);
  if (form.get('To') === '+15005550001') {
    sendJson(res, 400, {
      code: 21211,
      message: "The 'To' number +15005550001 is not valid.",
      more_info: 'https://www.twilio.com/docs/errors/21211',
      status: 400,
    });
    return;
  }
  if (form.get('To') === '+15005550009') {
    sendJson(res, 201, { sid: 'SMdeadbeef', status: 'failed', error_code: 30003, error_message: 'Unreachable destination handset' });
    return;
  }
  sendJson(res, 201, { sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued', to: form.get('To'), body: form.get('Body'), error_code: null });
};

describe('sendSms, twilio profile', () => {
  it('posts To/From/Body to the Messages resource with basic auth; 201 queued is delivered', async () => {
    const g = await gateway(twilio);
    const out = await sendSms(twilioConfig(g.url), SECRET, message);
    expect(out).toEqual({ ok: true, response: 'Twilio accepted message SM0123456789abcdef0123456789abcdef (queued)' });
    const [req] = g.requests;
    expect(req?.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:${SECRET}`).toString('base64')}`);
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect([...new URLSearchParams(req!.body)]).toEqual([
      ['To', TO],
      ['From', '+15005550006'],
      ['Body', message.text],
    ]);
  });

  it('uses MessagingServiceSid when From is a messaging service', async () => {
    const g = await gateway(twilio);
    const mg = `MG${'a'.repeat(32)}`;
    await sendSms(twilioConfig(`${g.url}/`, { from: mg }), SECRET, message);
    expect(g.requests[0]?.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    const form = new URLSearchParams(g.requests[0]!.body);
    expect(form.get('MessagingServiceSid')).toBe(mg);
    expect(form.has('From')).toBe(false);
  });

  it('a 400 error answer is told in Twilio’s own words and code', async () => {
    const g = await gateway(twilio);
    expect(await sendSms(twilioConfig(g.url), SECRET, { ...message, to: '+15005550001' })).toEqual({
      ok: false,
      error: "Twilio answered 400 Bad Request: The 'To' number +15005550001 is not valid. (error 21211)",
    });
  });

  it('a 201 whose status is failed is not delivered', async () => {
    const g = await gateway(twilio);
    expect(await sendSms(twilioConfig(g.url), SECRET, { ...message, to: '+15005550009' })).toEqual({
      ok: false,
      error: 'Twilio could not send the message, status failed: Unreachable destination handset (error 30003)',
    });
  });

  it('a 401 that echoes the credentials is scrubbed', async () => {
    const g = await gateway((req, res) => sendJson(res, 401, { code: 20003, message: `Authenticate: ${req.headers.authorization} / ${SECRET} / ${req.body}` }));
    const out = await sendSms(twilioConfig(g.url), SECRET, message);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error).toMatch(/^Twilio answered 401 Unauthorized: Authenticate: Basic ••• \/ ••• \//);
    expectClean(out.error);
    expect(out.error).not.toContain(Buffer.from(`${SID}:${SECRET}`).toString('base64'));
  });

  it('a non-JSON error answer falls back to the status and body', async () => {
    const g = await gateway((_req, res) => {
      res.writeHead(502);
      res.end('<html>Bad gateway</html>');
    });
    expect(await sendSms(twilioConfig(g.url), SECRET, message)).toEqual({ ok: false, error: 'Gateway answered 502 Bad Gateway: <html>Bad gateway</html>' });
  });

  it('fails without sending when no auth token is stored', async () => {
    const g = await gateway(twilio);
    expect(await sendSms(twilioConfig(g.url), null, message)).toEqual({ ok: false, error: 'No Twilio auth token is stored' });
    expect(g.requests).toHaveLength(0);
  });
});
