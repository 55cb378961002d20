// The matrix page and its survival picture, as the files written beside each other (matrix.md, survival.svg).
import { join } from 'node:path';
import type { Catalog } from '../model/catalog.js';
import type { Experiment } from '../model/experiment.js';
import type { RunResult } from '../model/result.js';
import { type MatrixOptions, renderMatrix } from './render-matrix.js';
import { columnTitle } from './report-name.js';
import { renderSurvivalChart, survivalPanels } from './survival-chart.js';

export const SURVIVAL_PICTURE = 'survival.svg';

/** `matrix` (the page's path) and, where the runs saw any survival cell, the picture beside it, which the page shows. */
export async function matrixFiles(
  matrix: string,
  dir: string,
  runs: readonly RunResult[],
  experiments: readonly Experiment[],
  catalog: Catalog,
  options: Omit<MatrixOptions, 'survivalPicture'> = {},
): Promise<[string, string][]> {
  const titles = runs.map((run, i) => options.names?.[i]?.title ?? columnTitle(run.environment));
  const panels = survivalPanels(runs, titles, catalog);
  const svg = panels.length ? await renderSurvivalChart(panels) : undefined;
  const page = renderMatrix(runs, experiments, svg ? { ...options, survivalPicture: SURVIVAL_PICTURE } : options);
  return [[matrix, page], ...(svg ? ([[join(dir, SURVIVAL_PICTURE), svg]] as [string, string][]) : [])];
}
