// Test fixture: lab/cri/pods.ts's private containerd with CRI, removed with all it made at the test's teardown.
import type { Test } from 'tap';
import { type CriFixture, startCri } from '../../lab/cri/pods.js';

export { CriFixture, hierarchies } from '../../lab/cri/pods.js';
export type { ContainerSpec, CriContainer, CriPod, PodSpec, Qos } from '../../lab/cri/pods.js';

/** A private containerd for this test (usually a whole file's root test), removed with all it made at teardown. */
export async function criFor(t: Test): Promise<CriFixture> {
  const fixture = await startCri();
  t.teardown(() => fixture.cleanup());
  return fixture;
}
