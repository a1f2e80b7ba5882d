// Starts a private dockerd (Debian's docker.io, unpacked) on the tests' own containerd: no bridge, no iptables
// rules, its own data-root, exec-root, pidfile, socket and config file. stop() removes all of it.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { type Containerd, PATH, pidsMentioning, unmountUnder } from '../../../lab/cri/containerd.js';

/** Where scripts/deps.sh unpacks docker.io; dockerd on PATH wins. */
const DOCKER_FILES = process.env.NSINSPECT_DOCKER_FILES ?? '/opt/nsinspect/docker.io';

function findBin(name: string, sub: string): string {
  for (const dir of PATH.split(':')) if (existsSync(join(dir, name))) return join(dir, name);
  const unpacked = join(DOCKER_FILES, sub, name);
  if (existsSync(unpacked)) return unpacked;
  throw new Error(`${name} is missing: run \`make deps-test\` (it unpacks Debian's docker.io into ${DOCKER_FILES})`);
}

export class Dockerd {
  readonly socket: string;
  private readonly docker: string;
  setupMs = 0;

  private constructor(
    readonly dir: string,
    private readonly child: ChildProcess,
    dockerBin: string,
  ) {
    this.socket = join(dir, 'docker.sock');
    this.docker = dockerBin;
  }

  /** Starts dockerd in dir (inside the containerd's dir) and loads the test images from the tarball. */
  static async start(containerd: Containerd, imagesTar: string): Promise<Dockerd> {
    const t0 = Date.now();
    const dockerd = findBin('dockerd', 'usr/sbin');
    const docker = findBin('docker', 'usr/bin');
    const dir = join(containerd.dir, 'docker');
    mkdirSync(join(dir, 'cli'), { recursive: true });
    writeFileSync(join(dir, 'daemon.json'), '{}');
    const log = join(dir, 'dockerd.log');
    const fd = openSync(log, 'a');
    const child = spawn(
      dockerd,
      [
        '--config-file', join(dir, 'daemon.json'),
        '--containerd', containerd.socket,
        '--data-root', join(dir, 'data'),
        '--exec-root', join(dir, 'exec'),
        '--pidfile', join(dir, 'dockerd.pid'),
        '--host', `unix://${join(dir, 'docker.sock')}`,
        '--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-masq=false', '--userland-proxy=false',
        '--exec-opt', 'native.cgroupdriver=cgroupfs',
        '--log-driver', 'none',
      ],
      { stdio: ['ignore', fd, fd], env: { PATH: `${PATH}:${join(DOCKER_FILES, 'usr/sbin')}:${join(DOCKER_FILES, 'usr/bin')}`, HOME: dir } },
    );
    closeSync(fd);
    const d = new Dockerd(dir, child, docker);
    try {
      const end = Date.now() + 60_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`dockerd exited with ${child.exitCode}: ${tail(log)}`);
        if (existsSync(d.socket) && (await d.run(['version', '--format', '{{.Server.Version}}'], false)).exitCode === 0) break;
        if (Date.now() > end) throw new Error(`dockerd did not answer on ${d.socket}: ${tail(log)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await d.docker_(['load', '-i', imagesTar]);
      d.setupMs = Date.now() - t0;
      return d;
    } catch (e) {
      await d.stop();
      throw e;
    }
  }

  private run(args: string[], reject: boolean) {
    return execa(this.docker, ['-H', `unix://${this.socket}`, ...args], {
      reject,
      env: { PATH, DOCKER_CONFIG: join(this.dir, 'cli'), HOME: this.dir },
      extendEnv: false,
    });
  }

  /** Runs the docker CLI against this daemon; resolves to stdout, rejects with stderr. */
  async docker_(args: string[]): Promise<string> {
    const r = await this.run(args, false);
    if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout.trim();
  }

  /** Stops dockerd (its containers are removed first by the fixture), then its mounts and its dir. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    }
    for (const pid of pidsMentioning(this.dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await unmountUnder(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }

  logTail(): string {
    return tail(join(this.dir, 'dockerd.log'));
  }
}

function tail(log: string): string {
  try {
    return readFileSync(log, 'utf8').split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}
