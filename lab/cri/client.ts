// A CRI client for the tests and make demo: runtime.v1 RuntimeService over a unix socket, promisified, from our own runtime.proto.
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CRI_FILES } from './files.js';

const PROTO = join(CRI_FILES, 'runtime.proto');

/** CRI's NamespaceMode, by name: kubelet sends POD, CONTAINER, NODE, or TARGET with target_id. */
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

export interface NamespaceOption {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  target_id?: string;
}

export interface PodSandboxConfig {
  metadata: { name: string; uid: string; namespace: string; attempt?: number };
  hostname?: string;
  log_directory?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  linux?: {
    cgroup_parent?: string;
    security_context?: { namespace_options?: NamespaceOption; privileged?: boolean };
  };
}

export interface ContainerConfig {
  metadata: { name: string; attempt?: number };
  image: { image: string };
  command?: string[];
  args?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  log_path?: string;
  stdin?: boolean;
  tty?: boolean;
  linux?: {
    resources?: { cpu_period?: number; cpu_quota?: number; cpu_shares?: number; memory_limit_in_bytes?: number; oom_score_adj?: number };
    security_context?: { namespace_options?: NamespaceOption; privileged?: boolean };
  };
}

export interface ContainerStatus {
  id: string;
  metadata: { name: string; attempt: number };
  state: 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
  exit_code: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

type Unary = (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

/** The RPCs the tests use; each rejects with the runtime's gRPC error message. */
export class CriClient {
  private readonly stub: grpc.Client & Record<string, Unary>;

  constructor(socket: string) {
    const def = protoLoader.loadSync(PROTO, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor } } };
    this.stub = new pkg.runtime.v1.RuntimeService(`unix://${socket}`, grpc.credentials.createInsecure()) as unknown as grpc.Client &
      Record<string, Unary>;
  }

  private call<T>(method: string, req: object, timeoutMs = 60_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + timeoutMs);
      const rpc = this.stub[method];
      if (!rpc) {
        reject(new Error(`CRI ${method}: no such RPC in runtime.v1.RuntimeService (see ${PROTO})`));
        return;
      }
      rpc.call(this.stub, req, new grpc.Metadata(), { deadline }, (err, res) => {
        if (err) reject(new Error(`CRI ${method}: ${err.details || err.message}`, { cause: err }));
        else resolve(res as T);
      });
    });
  }

  version(): Promise<{ runtime_name: string; runtime_version: string; runtime_api_version: string }> {
    return this.call('Version', { version: 'v1' });
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    return (await this.call<{ pod_sandbox_id: string }>('RunPodSandbox', { config })).pod_sandbox_id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.call('StopPodSandbox', { pod_sandbox_id: id });
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.call('RemovePodSandbox', { pod_sandbox_id: id });
  }

  /** The sandbox's status and its verbose info (info.info is JSON with the pid and the OCI spec). */
  podSandboxStatus(id: string): Promise<{ status: { id: string; state: string; network: { ip: string } }; info: Record<string, string> }> {
    return this.call('PodSandboxStatus', { pod_sandbox_id: id, verbose: true });
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const res = await this.call<{ container_id: string }>('CreateContainer', { pod_sandbox_id: podSandboxId, config, sandbox_config: sandboxConfig });
    return res.container_id;
  }

  async startContainer(id: string): Promise<void> {
    await this.call('StartContainer', { container_id: id });
  }

  async stopContainer(id: string, timeoutSeconds = 0): Promise<void> {
    await this.call('StopContainer', { container_id: id, timeout: timeoutSeconds });
  }

  async removeContainer(id: string): Promise<void> {
    await this.call('RemoveContainer', { container_id: id });
  }

  /** The container's status and verbose info (info.info is JSON with the pid and the OCI spec, as crictl inspect shows). */
  containerStatus(id: string): Promise<{ status: ContainerStatus; info: Record<string, string> }> {
    return this.call('ContainerStatus', { container_id: id, verbose: true });
  }

  async listContainers(podSandboxId?: string): Promise<{ id: string; pod_sandbox_id: string; state: string }[]> {
    const res = await this.call<{ containers: { id: string; pod_sandbox_id: string; state: string }[] }>('ListContainers', {
      filter: podSandboxId ? { pod_sandbox_id: podSandboxId } : {},
    });
    return res.containers;
  }

  close(): void {
    this.stub.close();
  }
}
