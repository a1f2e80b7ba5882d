// TypeBox schemas for the agent's inputs: DNS-1123 names, hex container IDs, integer PIDs.
import { Type, type Static } from '@sinclair/typebox';
import { CONTAINER_REF_PATTERN, DNS1123_LABEL_MAX, DNS1123_LABEL_PATTERN, DNS1123_SUBDOMAIN_MAX, DNS1123_SUBDOMAIN_PATTERN, PID_PATTERN } from '../model/formats.js';

// The patterns are model/formats.ts's, which the CLI checks too: one definition of each.
export const DNS1123Label = Type.String({ pattern: DNS1123_LABEL_PATTERN, maxLength: DNS1123_LABEL_MAX });
export const DNS1123Subdomain = Type.String({ pattern: DNS1123_SUBDOMAIN_PATTERN, maxLength: DNS1123_SUBDOMAIN_MAX });
export const ContainerRef = Type.String({ pattern: CONTAINER_REF_PATTERN });
/** The range (up to PID_MAX) is checked where the PID is read: a larger one is simply not found. */
export const PidParam = Type.String({ pattern: PID_PATTERN });

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
