// The certificate the secure metrics endpoint serves: the operator's (--tls-cert-file and
// --tls-private-key-file, e.g. from cert-manager), or a self-signed one made at start-up, as
// kube-controller-manager and controller-runtime do without one. A self-signed certificate is what
// Prometheus' `insecure_skip_verify` (or a ServiceMonitor's `tlsConfig.insecureSkipVerify`) is for;
// the bearer token still authenticates the scraper.

import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';

export interface ServingCert {
  readonly cert: string;
  readonly key: string;
  readonly selfSigned: boolean;
}

export async function servingCertificate(files: { certFile?: string; keyFile?: string }): Promise<ServingCert> {
  if (files.certFile !== undefined && files.keyFile !== undefined) {
    const [cert, key] = await Promise.all([readFile(files.certFile, 'utf8'), readFile(files.keyFile, 'utf8')]);
    return { cert, key, selfSigned: false };
  }
  // Loaded only here: the generator pulls in an X.509 library that nothing else needs.
  const { generate } = await import('selfsigned');
  const name = hostname();
  const pems = await generate([{ name: 'commonName', value: `${name}@${Math.floor(Date.now() / 1000)}` }], {
    keyType: 'ec',
    curve: 'P-256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: name },
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private, selfSigned: true };
}
