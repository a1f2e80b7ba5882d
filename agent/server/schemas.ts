// JSON Schemas for the agent's inputs (DNS-1123 names, hex container IDs, integer PIDs), as plain objects with their TypeScript shapes.
import { CONTAINER_REF_PATTERN, DNS1123_LABEL_MAX, DNS1123_LABEL_PATTERN, DNS1123_SUBDOMAIN_MAX, DNS1123_SUBDOMAIN_PATTERN, PID_PATTERN } from '../model/formats.js';

// Plain objects, not TypeBox: the agent only hands them to fastify's ajv, and a resident daemon
// should not keep a schema builder's ~200 modules in memory to write eight of them.

/** A JSON Schema object of these properties; only `required` must be present, nothing else may be. */
export function strictObject<P extends Record<string, object>>(properties: P, required: Array<keyof P & string>): { type: 'object'; properties: P; required: Array<keyof P & string>; additionalProperties: false } {
  return { type: 'object', properties, required, additionalProperties: false };
}
/** A string constant, as TypeBox's Literal wrote it. */
export const literal = <T extends string>(value: T): { const: T; type: 'string' } => ({ const: value, type: 'string' });

// The patterns are model/formats.ts's, which the CLI checks too: one definition of each.
export const DNS1123Label = { type: 'string', pattern: DNS1123_LABEL_PATTERN, maxLength: DNS1123_LABEL_MAX } as const;
export const DNS1123Subdomain = { type: 'string', pattern: DNS1123_SUBDOMAIN_PATTERN, maxLength: DNS1123_SUBDOMAIN_MAX } as const;
export const ContainerRef = { type: 'string', pattern: CONTAINER_REF_PATTERN } as const;
/** The range (up to PID_MAX) is checked where the PID is read: a larger one is simply not found. */
export const PidParam = { type: 'string', pattern: PID_PATTERN } as const;

export const ContainerParams = strictObject({ id: ContainerRef }, ['id']);
export interface ContainerParams { id: string }

export const ProcessParams = strictObject({ pid: PidParam }, ['pid']);
export interface ProcessParams { pid: string }

export const PodParams = strictObject({ namespace: DNS1123Label, pod: DNS1123Subdomain }, ['namespace', 'pod']);
export interface PodParams { namespace: string; pod: string }

export const PodContainerParams = strictObject({ namespace: DNS1123Label, pod: DNS1123Subdomain, container: DNS1123Label }, ['namespace', 'pod', 'container']);
export interface PodContainerParams { namespace: string; pod: string; container: string }

export const DiffQuery = strictObject({ debugger: DNS1123Label, target: DNS1123Label }, ['debugger']);
export interface DiffQuery { debugger: string; target?: string }

/** The API's error shape, for the OpenAPI document (answers are not validated against it). */
export const ErrorBody = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' }, details: { type: 'object', patternProperties: { '^(.*)$': {} } } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;
