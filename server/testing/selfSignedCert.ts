import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCertificate {
  /** PEM private key (RSA 2048, unencrypted). */
  key: string;
  /** PEM self-signed certificate for CN=localhost with subjectAltName localhost and 127.0.0.1, valid one day. */
  cert: string;
}

let cached: TestCertificate | null = null;

/**
 * A self-signed certificate for a TLS test server (SMTP, HTTPS), made once per
 * test process with openssl (node's crypto cannot sign an X.509 certificate).
 * Clients must turn certificate checking off, or fail on it, which is the point.
 */
export function selfSignedCertificate(): TestCertificate {
  if (cached) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-days',
        '1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'pipe' },
    );
    cached = { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8') };
    return cached;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
