// Owns service accounts and bound-token minting (serviceaccounts/token, `kubectl create token --audience`).
import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_AUDIENCE, ReviewError, type UserInfo } from './auth.js';

const ISSUER = DEFAULT_AUDIENCE;
/** The real server's bounds on spec.expirationSeconds, and its default. */
const MIN_SECONDS = 600;
const MAX_SECONDS = 2 ** 32;
const DEFAULT_SECONDS = 3600;

export interface MintedToken {
  token: string;
  /** The identity TokenReview reports for it (audiences and expiry included). */
  info: UserInfo;
  expirationTimestamp: string;
}

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/**
 * Mints a JWT-shaped bound service-account token: header.payload.signature with the claims the real
 * server puts in (aud, exp, iat, nbf, iss, sub, jti, kubernetes.io). The signature is random: the
 * fake's token table, not cryptography, decides what is valid, as a verifying server's key would.
 */
export function mintToken(namespace: string, name: string, saUid: string, audiences: string[], seconds: number, now = Date.now()): MintedToken {
  const iat = Math.floor(now / 1000);
  const exp = iat + seconds;
  const jti = randomUUID();
  const username = `system:serviceaccount:${namespace}:${name}`;
  const payload = {
    aud: audiences, exp, iat, nbf: iat, iss: ISSUER, jti, sub: username,
    'kubernetes.io': { namespace, serviceaccount: { name, uid: saUid } },
  };
  const token = `${b64url({ alg: 'RS256', kid: 'fake-apiserver' })}.${b64url(payload)}.${randomBytes(64).toString('base64url')}`;
  return {
    token,
    info: {
      username, uid: saUid, audiences, expiresAt: exp * 1000,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${jti}`] },
    },
    expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

/** Validates a TokenRequest body as the real server does and returns its audiences and lifetime. */
export function parseTokenRequest(body: unknown): { audiences: string[]; seconds: number } {
  const spec = ((body as { spec?: unknown })?.spec ?? {}) as { audiences?: unknown; expirationSeconds?: unknown };
  const invalid = (msg: string) => new ReviewError(422, 'Invalid', `TokenRequest.authentication.k8s.io "" is invalid: ${msg}`);
  if (spec.audiences !== undefined && spec.audiences !== null && (!Array.isArray(spec.audiences) || spec.audiences.some((a) => typeof a !== 'string'))) {
    throw new ReviewError(400, 'BadRequest', 'spec.audiences: expected an array of strings');
  }
  const audiences = ((spec.audiences as string[] | undefined) ?? []).filter((a) => a !== '');
  const seconds = spec.expirationSeconds === undefined || spec.expirationSeconds === null ? DEFAULT_SECONDS : spec.expirationSeconds;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds)) throw new ReviewError(400, 'BadRequest', 'spec.expirationSeconds: expected an integer');
  if (seconds < MIN_SECONDS) throw invalid(`spec.expirationSeconds: Invalid value: ${seconds}: may not specify a duration less than 10 minutes`);
  if (seconds > MAX_SECONDS) throw invalid(`spec.expirationSeconds: Invalid value: ${seconds}: may not specify a duration larger than 2^32 seconds`);
  // No audiences asked for: the token is for the API server itself.
  return { audiences: audiences.length ? audiences : [DEFAULT_AUDIENCE], seconds };
}

/** The TokenRequest response body. */
export function tokenRequestBody(namespace: string, name: string, audiences: string[], seconds: number, m: MintedToken): Record<string, unknown> {
  return {
    kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: null },
    spec: { audiences, expirationSeconds: seconds, boundObjectRef: null },
    status: { token: m.token, expirationTimestamp: m.expirationTimestamp },
  };
}
