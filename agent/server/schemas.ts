// TypeBox schemas for the agent's inputs: DNS-1123 names, hex container IDs, integer PIDs.
import { Type, type Static } from '@sinclair/typebox';

/** DNS-1123 label: namespaces and container names. */
export const DNS1123Label = Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 });
/** DNS-1123 subdomain: pod names. */
export const DNS1123Subdomain = Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', maxLength: 253 });
/** A full container ID or a unique prefix of at least 12 hex characters. */
export const ContainerRef = Type.String({ pattern: '^[0-9a-f]{12,64}$' });
/** A host PID as text: a positive integer with no sign, no leading zero, up to PID_MAX_LIMIT. */
export const PidParam = Type.String({ pattern: '^[1-9][0-9]{0,6}$' });

export const ContainerParams = Type.Object({ id: ContainerRef }, { additionalProperties: false });
export type ContainerParams = Static<typeof ContainerParams>;

export const ProcessParams = Type.Object({ pid: PidParam }, { additionalProperties: false });
export type ProcessParams = Static<typeof ProcessParams>;

export const PodParams = Type.Object({ namespace: DNS1123Label, pod: DNS1123Subdomain }, { additionalProperties: false });
export type PodParams = Static<typeof PodParams>;

export const PodContainerParams = Type.Object({ namespace: DNS1123Label, pod: DNS1123Subdomain, container: DNS1123Label }, { additionalProperties: false });
export type PodContainerParams = Static<typeof PodContainerParams>;

export const DiffQuery = Type.Object({ debugger: DNS1123Label, target: Type.Optional(DNS1123Label) }, { additionalProperties: false });
export type DiffQuery = Static<typeof DiffQuery>;

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), hint: Type.Optional(Type.String()), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }),
});
