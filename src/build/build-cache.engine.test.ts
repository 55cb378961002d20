// Nothing is recompiled or rebuilt when nothing changed: programs are cached by the hash of c-src/, images by
// the hash of their whole build context; containers are created from the ids the build returns.
import { describe, expect, it } from 'vitest';
import { IMAGES } from '../../experiments/images.js';
import { engineDriver } from '../../test/engine-state.js';
import { buildImages } from '../docker/docker-images.js';
import { processLease } from '../lab/process-lease.js';
import { compilePrograms } from './program-compiler.js';

describe('build cache', () => {
  it('compiles the programs once per content of c-src/', async () => {
    const lease = await processLease();
    const first = await compilePrograms(() => {}, lease);
    const again = await compilePrograms(() => {}, lease);
    expect(again).toEqual({ ...first, compiled: false });
    expect(again.names.sort()).toEqual([
      'fill',
      'idle',
      'mmap-read',
      'mmap-write',
      'mq-read',
      'mq-write',
      'msg-read',
      'msg-write',
      'posix-read',
      'posix-write',
      'run-steps',
      'sem-read',
      'sem-write',
      'sysctl',
      'sysv-read',
      'sysv-rm',
      'sysv-stat',
      'sysv-write',
    ]);
  });

  it('builds each image once per content of its build context, tagged by that hash, and returns its id', async () => {
    const { driver } = await engineDriver();
    const lease = await processLease();
    await buildImages(driver, ['lab', 'init-hook'], () => {}, lease, IMAGES);
    const again = await buildImages(driver, ['lab', 'init-hook'], () => {}, lease, IMAGES);
    expect(again.built).toEqual([]);
    expect(again.tags.lab).toMatch(/^shmlab\/lab:[0-9a-f]{12}$/);
    expect(again.ids.lab).toMatch(/^sha256:[0-9a-f]{64}$/);
    const image = await driver.dockerode.getImage(again.ids['init-hook']!).inspect();
    expect(image.RepoTags).toContain(again.tags['init-hook']);
    expect(image.Config.Labels?.['org.shmlab.image']).toBe('init-hook');
    expect(image.Config.Cmd).toEqual(['/sbin/my_init', '/bin/idle', '--show', '/proc/sys/kernel/shmmax']);
  });
});
