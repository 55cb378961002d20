// Nothing is recompiled or rebuilt when nothing changed: programs are cached by the hash of c-src/, images by
// the hash of their whole build context.
import { describe, expect, it } from 'vitest';
import { engineDriver } from '../../test/engine-state.js';
import { buildImages } from './image-builder.js';
import { compilePrograms } from './program-compiler.js';

describe('build cache', () => {
  it('compiles the programs once per content of c-src/', async () => {
    const first = await compilePrograms();
    const again = await compilePrograms();
    expect(again).toEqual({ ...first, compiled: false });
    expect(again.names.sort()).toEqual(['idle', 'mmap-read', 'mmap-write', 'posix-read', 'posix-write', 'sysctl', 'sysv-read', 'sysv-rm', 'sysv-write']);
  });

  it('builds each image once per content of its build context, tagged by that hash', async () => {
    const { driver } = await engineDriver();
    await buildImages(driver.dockerode, ['lab', 'init-hook'], () => {});
    const again = await buildImages(driver.dockerode, ['lab', 'init-hook'], () => {});
    expect(again.built).toEqual([]);
    expect(again.tags.lab).toMatch(/^shmlab\/lab:[0-9a-f]{12}$/);
    const image = await driver.dockerode.getImage(again.tags['init-hook']!).inspect();
    expect(image.Config.Labels?.['org.shmlab.image']).toBe('init-hook');
    expect(image.Config.Cmd).toEqual(['/sbin/my_init', '/bin/idle', '--show', '/proc/sys/kernel/shmmax']);
  });
});
