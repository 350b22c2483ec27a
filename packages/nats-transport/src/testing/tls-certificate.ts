import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** A self-signed certificate for 127.0.0.1 made with openssl; the certificate is its own CA. */
export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** The same file as certFile: clients trust the self-signed certificate directly. */
  readonly caFile: string;
}

/** The names a test certificate carries: its subject's CN and its subjectAltName list. */
export interface CertificateNames {
  readonly commonName: string;
  /** openssl's syntax, e.g. `IP:127.0.0.1` or `DNS:example.com`. */
  readonly subjectAltName: string;
}

/**
 * Makes an EC P-256 key and a one-day self-signed certificate, by default CN=localhost with
 * SAN IP:127.0.0.1.
 */
export function makeTestCertificate(
  dir: string,
  names: CertificateNames = { commonName: 'localhost', subjectAltName: 'IP:127.0.0.1' },
): TestCertificate {
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
      `/CN=${names.commonName}`,
      '-addext',
      `subjectAltName=${names.subjectAltName}`,
    ],
    { stdio: 'pipe', timeout: 10_000 },
  );
  return { certFile, keyFile, caFile: certFile };
}
