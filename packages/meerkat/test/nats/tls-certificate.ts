import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** A self-signed certificate for 127.0.0.1 made with openssl; the certificate is its own CA. */
export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** The same file as certFile: clients trust the self-signed certificate directly. */
  readonly caFile: string;
}

/** Makes an EC P-256 key and a one-day self-signed certificate (CN=localhost, SAN IP:127.0.0.1). */
export function makeTestCertificate(dir: string): TestCertificate {
  const certFile = join(dir, 'server-cert.pem');
  const keyFile = join(dir, 'server-key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'pipe', timeout: 10_000 },
  );
  return { certFile, keyFile, caFile: certFile };
}
