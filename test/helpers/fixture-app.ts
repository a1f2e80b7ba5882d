// The agent's API app over a fixture /proc tree and a fake pod directory: served through app.inject, without root, runc or a cluster.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../agent/server/api-app.js';
import { Engine } from '../../agent/inspect/engine.js';
import type { PodDirectory, PodInfo } from '../../agent/model/pod.js';
import type { RecordRoots } from '../../agent/model/records.js';
import { type CgroupLayout, procFixture } from './proc-fixture.js';
import { type FixtureNode, fixtureNode, fixturePod } from './fixture-node.js';
import { PodInspector } from '../../agent/inspect/pod-inspector.js';

/** A pod directory holding the given pods, synced. */
export function fakePods(pods: PodInfo[]): PodDirectory {
  return {
    synced: () => true,
    get: (namespace, name) => pods.find((p) => p.namespace === namespace && p.name === name),
    list: () => pods,
    byContainerID: (id) => {
      for (const pod of pods) for (const container of pod.containers) if (container.containerID === id) return { pod, container };
      return undefined;
    },
  };
}

/** Runtime record roots that exist and hold nothing: the answers then come from procfs and cgroups alone. */
export function emptyRoots(t: { teardown: (fn: () => void) => void }): RecordRoots {
  const dir = mkdtempSync(join(tmpdir(), 'nsinspect-roots-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { containerdState: [join(dir, 'state')], containerdRoot: [join(dir, 'root')], crio: [join(dir, 'crio')] };
}

export interface FixtureApp extends FixtureNode {
  app: FastifyInstance;
  engine: Engine;
  pod: PodInfo;
}

/** A fixture node, an engine reading it, and the API app (auth none) with the fixture's pod in its directory. */
export async function fixtureApp(t: { teardown: (fn: () => void) => void }, layout: CgroupLayout, runtime: 'containerd' | 'cri-o', driver: 'systemd' | 'cgroupfs'): Promise<FixtureApp> {
  const node = fixtureNode(layout, runtime, driver, procFixture(t, layout));
  const engine = new Engine(emptyRoots(t), node.fx.proc);
  const pod = fixturePod(runtime);
  const app = await buildApp({ engine, inspector: new PodInspector(engine), pods: fakePods([pod]), reviewer: null, nodeName: 'node-1' }, { logger: false });
  t.teardown(() => app.close());
  return { ...node, app, engine, pod };
}
