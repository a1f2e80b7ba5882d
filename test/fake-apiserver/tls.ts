// Owns TLS material for the fake API server: a throwaway CA and a 127.0.0.1/localhost server cert, made with the openssl CLI.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface TlsMaterial {
  /** PEM of the self-signed CA; this is what goes into kubeconfig certificate-authority-data. */
  caPem: string;
  /** PEM of the server certificate (signed by the CA; SANs IP:127.0.0.1, DNS:localhost). */
  certPem: string;
  /** PEM of the server private key. */
  keyPem: string;
}

let cached: Promise<TlsMaterial> | undefined;

/**
 * Returns TLS material, generating it once per process (EC P-256 keys, 1 day validity) and
 * reusing it for every fake server after that. Only argv arrays are passed to openssl.
 */
export function getTlsMaterial(): Promise<TlsMaterial> {
  cached ??= generateTlsMaterial().catch((err: unknown) => {
    cached = undefined; // let a later call retry
    throw err;
  });
  return cached;
}

export async function generateTlsMaterial(): Promise<TlsMaterial> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-apiserver-tls-'));
  const p = (f: string) => join(dir, f);
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    await execa('openssl', [
      'req', '-x509', ...ecKey, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '1',
      '-subj', '/CN=fake-apiserver-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await execa('openssl', [
      'req', '-new', ...ecKey, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=fake-apiserver',
    ]);
    await writeFile(p('ext.cnf'), [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '',
    ].join('\n'));
    await execa('openssl', [
      'x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-set_serial', '0x' + Date.now().toString(16),
      '-out', p('server.crt'), '-days', '1', '-sha256', '-extfile', p('ext.cnf'),
    ]);
    const read = (f: string): Promise<string> => readFile(p(f), 'utf8');
    const [caPem, certPem, keyPem] = await Promise.all([read('ca.crt'), read('server.crt'), read('server.key')]);
    return { caPem, certPem, keyPem };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
