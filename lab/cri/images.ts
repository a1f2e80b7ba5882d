// Builds the tests' two images without a registry: busybox-static and a static pause of our own, as one
// tarball that both `ctr images import` (OCI layout: index.json) and `docker load` (manifest.json) read.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { CRI_FILES } from './files.js';

export const BUSYBOX_IMAGE = 'nsinspect.test/busybox:1';
export const PAUSE_IMAGE = 'nsinspect.test/pause:1';

const HERE = CRI_FILES;
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'];
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface Blob {
  digest: string;
  size: number;
}

/** Writes bytes under blobs/sha256/ and returns their descriptor. */
function putBlob(layout: string, bytes: Buffer): Blob {
  const hex = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(layout, 'blobs/sha256', hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

async function isStatic(path: string): Promise<boolean> {
  const { stdout } = await execa('file', ['-L', path], { reject: false });
  return /statically linked|static-pie/.test(stdout);
}

/** The busybox rootfs: /bin/busybox and one symlink per applet, plus /etc/passwd. */
async function busyboxRootfs(root: string): Promise<void> {
  let busybox: string | undefined;
  for (const p of BUSYBOX) if (existsSync(p) && (await isStatic(p))) busybox = p;
  if (!busybox) throw new Error('busybox-static is missing: apt-get install busybox-static');
  for (const d of ['bin', 'proc', 'dev', 'sys', 'tmp', 'etc']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(busybox, join(root, 'bin/busybox'));
  const { stdout } = await execa(busybox, ['--list']);
  for (const applet of stdout.split('\n')) if (applet && applet !== 'busybox') symlinkSync('busybox', join(root, 'bin', applet));
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/:/bin/sh\n');
}

/** The pause rootfs: one static binary compiled from pause.c. */
async function pauseRootfs(root: string): Promise<void> {
  mkdirSync(root, { recursive: true });
  await execa('gcc', ['-static', '-O2', '-o', join(root, 'pause'), join(HERE, 'pause.c')]).catch((e: Error) => {
    throw new Error(`compiling pause.c with gcc -static: ${e.message.split('\n')[0]} (apt-get install gcc libc6-dev)`);
  });
}

/** Tars a rootfs into a layer blob and writes config + manifest; returns what index.json and manifest.json need. */
async function image(layout: string, work: string, ref: string, rootfs: string, run: { Entrypoint?: string[]; Cmd?: string[] }) {
  const layerTar = join(work, `${ref.replace(/\W/g, '_')}.tar`);
  await execa('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-cf', layerTar, '-C', rootfs, '.']);
  const layer = putBlob(layout, readFileSync(layerTar));
  const config = putBlob(
    layout,
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Env: [PATH_ENV], ...run, WorkingDir: '/' },
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
        history: [{ created_by: 'nsinspect test/runtime/cri/images.ts' }],
      }),
    ),
  );
  const manifest = putBlob(
    layout,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
      }),
    ),
  );
  return {
    index: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...manifest,
      annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref.split(':').pop() },
    },
    docker: { Config: `blobs/sha256/${config.digest.slice(7)}`, RepoTags: [ref], Layers: [`blobs/sha256/${layer.digest.slice(7)}`] },
  };
}

/** Builds both images into dir; returns the path of the tarball. */
export async function buildImages(dir: string): Promise<string> {
  const layout = join(dir, 'layout');
  mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
  await busyboxRootfs(join(dir, 'rootfs-busybox'));
  await pauseRootfs(join(dir, 'rootfs-pause'));
  const busybox = await image(layout, dir, BUSYBOX_IMAGE, join(dir, 'rootfs-busybox'), { Cmd: ['/bin/sh'] });
  const pause = await image(layout, dir, PAUSE_IMAGE, join(dir, 'rootfs-pause'), { Entrypoint: ['/pause'] });
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [busybox.index, pause.index] }));
  writeFileSync(join(layout, 'manifest.json'), JSON.stringify([busybox.docker, pause.docker]));
  const tarball = join(dir, 'images.tar');
  await execa('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-cf', tarball, '-C', layout, '.']);
  return tarball;
}
