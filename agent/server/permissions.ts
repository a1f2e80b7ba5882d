// What each route asks of RBAC, written once: the kubelet's own rules for node reads and exec, kubectl's for pods.
import type { ResourceAttributes } from '../model/auth.js';

/** Reading a pod (its containers, namespaces, diff): `get pods`, as kubectl get/describe needs. */
export const getPod = (namespace: string, name: string): ResourceAttributes => ({ verb: 'get', resource: 'pods', namespace, name });

/** What a pod's processes reveal (command lines, credentials) or run: `create pods/exec`, as kubectl exec needs. */
export const execPod = (namespace: string, name: string): ResourceAttributes => ({ verb: 'create', resource: 'pods', subresource: 'exec', namespace, name });

/** The kubelet's rule for node-level reads and for /exec: `get` or `create` on nodes/proxy for this node. */
export const nodeProxy = (verb: 'get' | 'create', nodeName: string): ResourceAttributes => ({ verb, resource: 'nodes', subresource: 'proxy', name: nodeName });
