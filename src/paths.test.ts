import { describe, expect, it } from 'vitest';
import { cacheDir } from './paths.js';

describe('where shmlab keeps its cache', () => {
  const home = () => '/home/u';
  it('is $SHMLAB_CACHE_DIR, else $XDG_CACHE_HOME/shmlab, else ~/.cache/shmlab', () => {
    expect(cacheDir({ SHMLAB_CACHE_DIR: '/var/cache/x', XDG_CACHE_HOME: '/xdg' }, home)).toBe('/var/cache/x');
    expect(cacheDir({ XDG_CACHE_HOME: '/xdg' }, home)).toBe('/xdg/shmlab');
    expect(cacheDir({}, home)).toBe('/home/u/.cache/shmlab');
  });

  it('ignores an empty SHMLAB_CACHE_DIR and a relative XDG_CACHE_HOME (invalid, says the XDG spec)', () => {
    expect(cacheDir({ SHMLAB_CACHE_DIR: ' ', XDG_CACHE_HOME: 'rel' }, home)).toBe('/home/u/.cache/shmlab');
  });
});
