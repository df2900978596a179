import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SmtpConfig } from '../../../shared/schemas/delivery';
import { freePort } from '../../testing/serverProcess';
import { startSmtpServer, type SmtpServerOptions, type TestSmtpServer } from '../../testing/smtpServer';
import { sendMail } from './mailer';
import { codeEmail } from './messages';

const PASSWORD = 'hunter2-S3cret!';
const CODE = '493027';

let servers: TestSmtpServer[] = [];
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  for (const c of closers.splice(0)) await c();
});

async function server(opts: SmtpServerOptions): Promise<TestSmtpServer> {
  const s = await startSmtpServer(opts);
  servers.push(s);
  return s;
}

function config(port: number, over: Partial<SmtpConfig> = {}): SmtpConfig {
  return { host: '127.0.0.1', port, tls: 'none', username: null, from: 'tessera@example.org', verifyCertificate: true, timeoutMs: 5000, ...over };
}

function message(to = 'alice@example.org') {
  return { to, ...codeEmail({ issuer: 'Acme <IT>', code: CODE, minutes: 10, purpose: 'sign-in' as const }), secretsToScrub: [CODE] };
}

function expectClean(error: string) {
  expect(error).not.toContain(PASSWORD);
  expect(error).not.toContain(CODE);
}

describe('sendMail over plain loopback SMTP', () => {
  it('logs in, delivers the message, and returns the server’s last answer', async () => {
    const smtp = await server({ auth: { username: 'tessera', password: PASSWORD } });
    const out = await sendMail(config(smtp.port, { username: 'tessera' }), PASSWORD, message());
    expect(out).toEqual({ ok: true, response: '250 OK: queued as T1' });
    const mail = await smtp.waitForMessage();
    expect(mail.from?.text).toBe('tessera@example.org');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('alice@example.org');
    expect(mail.subject).toBe('Your Acme <IT> sign-in code');
    expect(mail.text).toContain(CODE);
    expect(mail.text).toContain('Acme <IT>');
    expect(mail.text).toContain('10 minutes');
    expect(mail.text).toContain('tell your IT team');
    expect(mail.html).toContain(CODE);
    expect(mail.html).toContain('Acme &lt;IT&gt;');
    expect(mail.html).not.toContain('<IT>');
    expect(smtp.sessions[0]).toMatchObject({ secure: false, user: 'tessera', envelope: { from: 'tessera@example.org', to: ['alice@example.org'] } });
  });

  it('sends without a login when no username is set', async () => {
    const smtp = await server({});
    expect((await sendMail(config(smtp.port), null, message())).ok).toBe(true);
    expect(smtp.sessions[0]?.user).toBeNull();
  });

  it('returns the server’s refusal of the login, without the password', async () => {
    const smtp = await server({ auth: 'refuse' });
    const out = await sendMail(config(smtp.port, { username: 'tessera' }), PASSWORD, message());
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error).toBe('SMTP server refused the login: 535 Authentication failed');
    expectClean(out.error);
    expect(smtp.messages).toHaveLength(0);
  });

  it('fails without connecting when a username is set but no password is stored', async () => {
    const out = await sendMail(config(1, { username: 'tessera' }), null, message());
    expect(out).toEqual({ ok: false, error: 'No SMTP password is stored for tessera' });
  });

  it('names the refused connection', async () => {
    const port = await freePort();
    const out = await sendMail(config(port), null, message());
    expect(out).toEqual({ ok: false, error: `Could not connect to 127.0.0.1:${port}: ECONNREFUSED` });
  });

  it('fails when the server drops the connection in the middle of DATA', async () => {
    const smtp = await server({ dropInData: true });
    const out = await sendMail(config(smtp.port), null, message());
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error).toMatch(/closed the connection unexpectedly|dropped the connection/);
    expectClean(out.error);
  });

  it('times out on a server that never greets, within about timeoutMs', async () => {
    const smtp = await server({ greetingDelayMs: 20_000 });
    const started = Date.now();
    const out = await sendMail(config(smtp.port, { timeoutMs: 1000 }), null, message());
    expect(out).toEqual({ ok: false, error: 'Timed out after 1 s waiting for the SMTP server' });
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('times out on a server that accepts DATA but never answers it', async () => {
    const smtp = await server({ dataDelayMs: 20_000 });
    const started = Date.now();
    const out = await sendMail(config(smtp.port, { timeoutMs: 1000 }), null, message());
    expect(out).toEqual({ ok: false, error: 'Timed out after 1 s waiting for the SMTP server' });
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('caps the whole send at three timeouts against a server that trickles', async () => {
    // Answers each line just inside socketTimeout, so no single wait runs out.
    const open = new Set<net.Socket>();
    const tcp = net.createServer((socket) => {
      open.add(socket);
      socket.on('error', () => undefined);
      let drip: NodeJS.Timeout | undefined;
      socket.write('220 ready\r\n');
      socket.once('data', () => {
        drip = setInterval(() => socket.write('250-still thinking\r\n'), 400);
      });
      socket.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    closers.push(() => {
      for (const s of open) s.destroy();
      return new Promise<void>((r) => tcp.close(() => r()));
    });
    const started = Date.now();
    const out = await sendMail(config((tcp.address() as net.AddressInfo).port, { timeoutMs: 1000 }), null, message());
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error).toBe('Timed out after 3 s waiting for the SMTP server');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses tls "none" to a host other than this machine, without connecting', async () => {
    const out = await sendMail(config(25, { host: 'smtp.example.org' }), null, message());
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toMatch(/without TLS is allowed only to this machine/);
  });

  it('throws for a recipient that is not one plain address (a programmer error)', async () => {
    await expect(sendMail(config(25), null, message('a@example.org, b@example.org'))).rejects.toThrow(TypeError);
    await expect(sendMail(config(25), null, message('a@example.org\r\nBcc: b@example.org'))).rejects.toThrow(TypeError);
  });

  it('scrubs the password out of a refusal that echoes it', async () => {
    const smtp = await server({ auth: 'refuse', refusalText: (user, pass) => `No such login ${user}/${pass}` });
    const out = await sendMail(config(smtp.port, { username: 'tessera' }), PASSWORD, message());
    expect(out).toEqual({ ok: false, error: 'SMTP server refused the login: 535 No such login tessera/•••' });
  });

  it('scrubs the code out of a refusal of the message that quotes it', async () => {
    const smtp = await server({ rejectMessage: (mail) => `Spam detected in "${mail.text?.split('\n')[2]}"` });
    const out = await sendMail(config(smtp.port), null, message());
    expect(out).toEqual({ ok: false, error: 'SMTP server refused the message: 554 Spam detected in "•••"' });
  });
});

describe('sendMail over TLS', () => {
  it('STARTTLS with a self-signed certificate and checking off: delivered over a secure session', async () => {
    const smtp = await server({ tls: 'starttls', auth: { username: 'tessera', password: PASSWORD } });
    const out = await sendMail(config(smtp.port, { tls: 'starttls', host: 'localhost', username: 'tessera', verifyCertificate: false }), PASSWORD, message());
    expect(out.ok).toBe(true);
    await smtp.waitForMessage();
    expect(smtp.sessions[0]?.secure).toBe(true);
  });

  it('STARTTLS with a self-signed certificate and checking on: refused, naming the certificate', async () => {
    const smtp = await server({ tls: 'starttls', auth: { username: 'tessera', password: PASSWORD } });
    const out = await sendMail(config(smtp.port, { tls: 'starttls', host: 'localhost', username: 'tessera' }), PASSWORD, message());
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error).toMatch(/^The SMTP server's certificate was not accepted \(.*self-signed certificate.*\)/);
    expectClean(out.error);
    expect(smtp.messages).toHaveLength(0);
  });

  it('"starttls" against a server that does not offer STARTTLS: refused, nothing sent in the clear', async () => {
    const smtp = await server({ tls: 'none', auth: { username: 'tessera', password: PASSWORD } });
    const out = await sendMail(config(smtp.port, { tls: 'starttls', username: 'tessera', verifyCertificate: false }), PASSWORD, message());
    expect(out).toEqual({ ok: false, error: 'The server does not offer STARTTLS, which this setting requires' });
    expect(smtp.messages).toHaveLength(0);
  });

  it('"none" does not upgrade even when the server offers STARTTLS', async () => {
    const smtp = await server({ tls: 'starttls' });
    expect((await sendMail(config(smtp.port, { tls: 'none' }), null, message())).ok).toBe(true);
    await smtp.waitForMessage();
    expect(smtp.sessions[0]?.secure).toBe(false);
  });

  it('implicit TLS: delivered over a secure session', async () => {
    const smtp = await server({ tls: 'implicit', auth: { username: 'tessera', password: PASSWORD } });
    const out = await sendMail(config(smtp.port, { tls: 'implicit', host: 'localhost', username: 'tessera', verifyCertificate: false }), PASSWORD, message());
    expect(out.ok).toBe(true);
    await smtp.waitForMessage();
    expect(smtp.sessions[0]?.secure).toBe(true);
  });

  it('implicit TLS against a plain server fails with a line, not a throw', async () => {
    const smtp = await server({ tls: 'none' });
    const out = await sendMail(config(smtp.port, { tls: 'implicit', verifyCertificate: false, timeoutMs: 1000 }), null, message());
    expect(out).toEqual({
      ok: false,
      error: `Could not start TLS with 127.0.0.1:${smtp.port}: the server does not speak TLS on this port (for a STARTTLS port such as 587, choose STARTTLS)`,
    });
  });
});
