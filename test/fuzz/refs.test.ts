// Property-based tests of refs: pid/<n>, container/<id>, pod names, labels and ns type lists; CLI and agent agree.
import t from 'tap';
import fc from 'fast-check';
import { deepStrictEqual } from 'node:assert/strict';
import { Ajv } from 'ajv';
import { PID_MAX, parseLocalRef, parsePid } from '../../agent/protocol/refs.js';
import { NsinspectError } from '../../agent/model/errors.js';
import { NS_TYPES } from '../../agent/model/types.js';
import { isLocalRef, label, nsTypes, podName } from '../../cli/refs.js';
import { ContainerRef, DNS1123Label, DNS1123Subdomain, PidParam } from '../../agent/server/schemas.js';
import { HEX, check, chars, hex, hostile } from './fc.js';

// The agent's schemas as the agent checks them: with fastify's ajv (8), no coercion.
const ajv = new Ajv({ coerceTypes: false });
const validators = new Map<object, (x: unknown) => boolean>();
/** Whether the schema accepts the value. */
function accepts(schema: object, value: unknown): boolean {
  let v = validators.get(schema);
  if (!v) validators.set(schema, (v = ajv.compile(schema) as (x: unknown) => boolean));
  return v(value);
}

/** The outcome of f: its value, or the code of an NsinspectError. Any other throw fails the property. */
function outcome<T>(f: () => T): { ok: T } | { code: string; message: string } {
  try {
    return { ok: f() };
  } catch (err) {
    if (err instanceof NsinspectError) return { code: err.code, message: err.message };
    throw err;
  }
}
/** A rejection is INVALID with a one-line message (user input is quoted with JSON.stringify). */
const invalidOneLine = (o: { code: string; message: string }): boolean => o.code === 'INVALID' && !o.message.includes('\n');

const pid = fc.integer({ min: 1, max: PID_MAX });
const DNS = `${'abcdefghijklmnopqrstuvwxyz0123456789'}`;
const labelArb = fc.tuple(chars(DNS, 1, 1), chars(`${DNS}-`, 0, 61), chars(DNS, 1, 1)).map(([a, b, c]) => (a + b + c).slice(0, 63)).filter((s) => !s.endsWith('-'));
const subdomain = fc.array(labelArb, { minLength: 1, maxLength: 4 }).map((a) => a.join('.')).filter((s) => s.length <= 253);
/** Near-DNS text: case, underscores, dots, dashes at the edges, lengths around the limits. */
const nearName = fc.oneof(hostile(80), chars(`${DNS}-._A/`, 0, 70), fc.integer({ min: 60, max: 260 }).map((n) => 'a'.repeat(n)));

t.test('parsePid: every valid PID round-trips; anything else is undefined', async (t) => {
  check(t, 'round trip', fc.property(pid, (n) => parsePid(String(n)) === n));
  check(t, 'canonical or nothing', fc.property(fc.oneof(hostile(12), fc.integer().map(String), fc.string({ unit: fc.constantFrom(...'0123456789+-. e'), maxLength: 10 })), (s) => {
    const n = parsePid(s);
    return n === undefined || (String(n) === s && n >= 1 && n <= PID_MAX);
  }), 2);
  check(t, 'the agent schema accepts the same PIDs, up to the range check', fc.property(fc.oneof(pid.map(String), hostile(12)), (s) => (parsePid(s) !== undefined) === (accepts(PidParam, s) && Number(s) <= PID_MAX)));
  t.equal(parsePid(String(PID_MAX + 1)), undefined, 'PID_MAX + 1');
});

t.test('parseLocalRef: valid refs round-trip, invalid ones are INVALID', async (t) => {
  check(t, 'pid refs', fc.property(fc.constantFrom('pid/', 'p/'), pid, (kind, n) => {
    deepStrictEqual(parseLocalRef(kind + n), { kind: 'pid', pid: n, text: `pid/${n}` });
  }));
  check(t, 'container refs, with or without the runtime scheme', fc.property(fc.constantFrom('container/', 'c/'), fc.constantFrom('', 'containerd://', 'cri-o://', 'docker://'), fc.integer({ min: 12, max: 64 }).chain(hex), (kind, scheme, id) => {
    deepStrictEqual(parseLocalRef(kind + scheme + id), { kind: 'container', prefix: id, text: `container/${id}` });
  }));
  const refish = fc.oneof(
    hostile(80),
    fc.tuple(fc.constantFrom('pid/', 'p/', 'container/', 'c/', 'pod/', 'PID/', '/', ''), fc.oneof(hostile(20), chars(`${HEX}ABX:/`, 0, 70), fc.integer().map(String))).map(([a, b]) => a + b),
  );
  check(t, 'arbitrary refs: a ref whose text parses to itself, or INVALID in one line', fc.property(refish, (text) => {
    const o = outcome(() => parseLocalRef(text));
    if (!('ok' in o)) return invalidOneLine(o);
    const again = parseLocalRef(o.ok.text);
    deepStrictEqual(again, o.ok);
    // What the CLI dispatches as node-local is exactly what has a local kind.
    return isLocalRef(text) && (o.ok.kind !== 'container' || accepts(ContainerRef, o.ok.prefix));
  }), 3);
});

t.test('CLI names: pod names, labels and ns types; the CLI accepts what the agent accepts', async (t) => {
  check(t, 'pod names round-trip, bare or as pod/NAME', fc.property(subdomain, fc.constantFrom('', 'pod/', 'pods/', 'po/'), (name, kind) => podName(kind + name) === name));
  check(t, 'podName agrees with the agent schema', fc.property(fc.oneof(subdomain, nearName), (name) => {
    const o = outcome(() => podName(name));
    if ('ok' in o) return accepts(DNS1123Subdomain, o.ok) && o.ok === name.replace(/^(pod|pods|po)\//, '');
    return invalidOneLine(o) && (name.replace(/^(pod|pods|po)\//, '').includes('/') || !accepts(DNS1123Subdomain, name.replace(/^(pod|pods|po)\//, '')));
  }), 2);
  check(t, 'label agrees with the agent schema', fc.property(fc.oneof(labelArb, nearName), (s) => {
    const o = outcome(() => label('container name', s));
    return 'ok' in o ? o.ok === s && accepts(DNS1123Label, s) : invalidOneLine(o) && !accepts(DNS1123Label, s);
  }), 2);
  check(t, 'ns type lists: the listed types, or INVALID', fc.property(fc.oneof(fc.subarray([...NS_TYPES], { minLength: 1 }).map((a) => ({ list: a, text: a.join(',') })), hostile(30).map((text) => ({ list: undefined, text }))), ({ list, text }) => {
    const o = outcome(() => nsTypes(text));
    if (list) return 'ok' in o && JSON.stringify(o.ok) === JSON.stringify(list);
    return 'ok' in o ? o.ok.length > 0 && o.ok.every((x) => (NS_TYPES as readonly string[]).includes(x)) : invalidOneLine(o);
  }), 2);
});
