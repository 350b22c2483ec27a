import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

/** The host of a NATS server URL (`tls://10.0.0.5:4222`, `[::1]:4222`, `nats.example`). */
export function serverHost(url: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `nats://${url}`;
  const host = new URL(withScheme).hostname;
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * The TLS name check for a connection to `servers`. The NATS client sends a server name (SNI)
 * only for host names, never for an IP address (SNI forbids them), and Node then checks the
 * certificate against `localhost`: a server reached by IP would be checked against the wrong
 * name. This check uses the name the user connected to: a host name as Node received it, and for
 * IP addresses the configured IPs (the certificate must list one of them as an IP SAN).
 */
export function serverIdentityCheck(
  servers: readonly string[],
): (name: string, cert: PeerCertificate) => Error | undefined {
  const hosts = servers.map(serverHost);
  const ips = hosts.filter((h) => isIP(h) !== 0);
  return (name, cert) => {
    if (name !== '' && isIP(name) === 0 && (hosts.includes(name) || ips.length === 0)) {
      return checkServerIdentity(name, cert);
    }
    for (const ip of ips) if (checkServerIdentity(ip, cert) === undefined) return undefined;
    return checkServerIdentity(ips[0] ?? name, cert);
  };
}
