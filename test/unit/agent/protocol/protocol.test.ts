// The protocol table: every error code survives the trip to an HTTP status and back; the version is package.json's.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { STATUS_OF_CODE, VERSION, codeOf, isErrorCode, statusOf } from '../../../../agent/protocol/protocol.js';
import type { ErrorCode } from '../../../../agent/model/errors.js';

const CODES = Object.keys(STATUS_OF_CODE) as ErrorCode[];

t.test('every code round-trips through its status and the body', async (t) => {
  t.equal(CODES.length, 12);
  for (const code of CODES) t.equal(codeOf(statusOf(code), code), code, code);
});

t.test('codes sharing a status stay apart (the old reverse table turned AMBIGUOUS into INVALID)', async (t) => {
  t.equal(statusOf('AMBIGUOUS'), 400);
  t.equal(codeOf(400, 'AMBIGUOUS'), 'AMBIGUOUS');
  t.equal(codeOf(409, 'CONFLICT'), 'CONFLICT');
  t.equal(codeOf(409, 'NOT_RUNNING'), 'NOT_RUNNING');
});

t.test('a status alone, a foreign code or a code at the wrong status falls back to what the status means', async (t) => {
  t.equal(codeOf(400), 'INVALID');
  t.equal(codeOf(400, 'BAD_REQUEST'), 'INVALID');
  t.equal(codeOf(401), 'UNAUTHENTICATED');
  t.equal(codeOf(403), 'FORBIDDEN');
  t.equal(codeOf(404, 'NOT_FOUND'), 'NOT_FOUND');
  t.equal(codeOf(409), 'NOT_RUNNING');
  t.equal(codeOf(429), 'TOO_MANY');
  t.equal(codeOf(503), 'UNAVAILABLE');
  t.equal(codeOf(502), 'INTERNAL');
  t.equal(codeOf(404, 'FORBIDDEN'), 'NOT_FOUND', 'a body code that does not fit the status is not believed');
  t.equal(codeOf(500, { code: 'x' }), 'INTERNAL');
});

t.test('only own keys are codes: inherited names are not', async (t) => {
  for (const k of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    t.notOk(isErrorCode(k), k);
    t.equal(statusOf(k), 500, k);
  }
  t.equal(statusOf('TIMEOUT'), 500);
});

t.test('VERSION is the version in package.json', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };
  t.equal(VERSION, pkg.version);
});
