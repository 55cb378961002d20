// What shmlab knows of its experiments, handed down from the entry points (the command line, the package's API) to the
// lab and the renderers: nothing under src/ reads experiments/ itself.
import type { Experiment } from './experiment.js';
import type { SurvivalTexts } from './survival.js';

/** An image variant: one build context (fixtures, the compiled programs, busybox), differing only in its CMD. */
export interface ImageVariant {
  cmd: string[];
  purpose: string;
  /** Software the image holds beside the lab's files (`postgresql`: PostgreSQL 15 from Debian 12's packages). */
  adds?: 'postgresql';
}

/** A program of the user's, by the name it has in the image's /bin and the file that holds it. */
export interface UserProgram {
  name: string;
  path: string;
}

export interface Catalog {
  experiments: readonly Experiment[];
  survival: SurvivalTexts;
  images: Readonly<Record<string, ImageVariant>>;
}
