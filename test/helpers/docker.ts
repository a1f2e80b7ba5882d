// Test fixture: a private dockerd on a private containerd, and containers run with `docker run`.
// Everything it made (containers, their /docker/<id> cgroups, both daemons, their dirs) goes at teardown.
import { existsSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { Containerd } from '../../lab/cri/containerd.js';
import { BUSYBOX_IMAGE } from '../../lab/cri/images.js';
import { Dockerd } from '../runtime/docker/dockerd.js';
import { hierarchies } from './cri.js';

export interface DockerContainer {
  id: string;
  name: string;
  pid: number;
}

export class DockerFixture {
  private readonly ids: string[] = [];
  private readonly madeParents = new Set<string>();

  constructor(
    readonly containerd: Containerd,
    readonly dockerd: Dockerd,
  ) {
    for (const h of hierarchies()) if (!existsSync(join(h, 'docker'))) this.madeParents.add(join(h, 'docker'));
  }

  /** `docker run -d` with extra flags (--pid container:x …); the image's sleep outlives the test. */
  async run(name: string, flags: string[], command: string[] = ['sleep', '2147483647']): Promise<DockerContainer> {
    const id = await this.dockerd.docker_(['run', '-d', '--name', name, ...flags, BUSYBOX_IMAGE, ...command]);
    this.ids.push(id);
    const pid = Number(await this.dockerd.docker_(['inspect', '--format', '{{.State.Pid}}', id]));
    if (!pid) throw new Error(`docker container ${name} has no pid`);
    return { id, name, pid };
  }

  async cleanup(): Promise<void> {
    const errors: string[] = [];
    if (this.ids.length) await this.dockerd.docker_(['rm', '-f', ...this.ids.reverse()]).catch((e: Error) => errors.push(e.message));
    await this.dockerd.stop().catch((e: Error) => errors.push(e.message));
    await this.containerd.stop().catch((e: Error) => errors.push(e.message));
    for (const h of hierarchies()) {
      for (const id of this.ids) {
        try {
          rmdirSync(join(h, 'docker', id));
        } catch {
          // removed by runc, as it should be
        }
      }
    }
    for (const d of this.madeParents) {
      try {
        rmdirSync(d);
      } catch {
        // in use by someone else's containers
      }
    }
    if (errors.length) throw new Error(`cleaning up docker containers: ${errors.join('; ')}`);
  }
}

/** A private containerd + dockerd for this test (usually a file's root test), removed with all they made at teardown. */
export async function dockerFor(t: Test): Promise<DockerFixture> {
  const containerd = await Containerd.start(`/run/nsinspect-cri/${crypto.randomUUID().slice(0, 8)}`);
  let fixture: DockerFixture | undefined;
  t.teardown(async () => {
    if (fixture) await fixture.cleanup();
    else await containerd.stop();
  });
  fixture = new DockerFixture(containerd, await Dockerd.start(containerd, containerd.imagesTar));
  return fixture;
}
