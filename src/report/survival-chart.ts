// The survival picture: for each family of engines, a grid of kind of memory × operation (rows) by engine (columns),
// each cell what that engine's run saw: kept, lost, no answer (not run, an engine error), or nothing to see (the
// engine has no such operation, or the run did not take that read). Drawn with Vega (a declarative grammar, rendered
// to SVG without a browser); the data come from the reports only.
import * as vega from 'vega';
import type { Catalog } from '../model/catalog.js';
import type { MemoryKind, Operation } from '../model/experiment.js';
import { type FamilyName, familyOf } from '../model/family.js';
import type { RunResult } from '../model/result.js';
import { slugsOf, survivalCells } from './render-markdown.js';
import { kindText, operationName } from './survival-advice.js';

type CellState = 'kept' | 'lost' | 'no answer';

interface ChartCell {
  engine: string;
  /** The row's key: `<kind>/<operation>`. */
  row: string;
  state: CellState;
  /** The report's own words for the cell (`lost (ENOENT)`, `engine error`). */
  text: string;
}

/** A row of a panel: a kind of memory under an operation, labelled in its family's words. */
interface ChartRow {
  key: string;
  kind: string;
  operation: string;
}

/** One family's grid: its engines (columns, in the matrix's order) and its rows, in the catalog's order. */
interface ChartPanel {
  title: string;
  engines: string[];
  rows: ChartRow[];
  cells: ChartCell[];
}

const PANEL_TITLES: Record<FamilyName, string> = {
  'docker-api': 'Docker API engines: a container',
  cri: 'Kubernetes through CRI: a container of a pod',
};

/** The panels of the runs given (titles by the runs' order), a family each, as the runs' reports tell. */
export function survivalPanels(runs: readonly RunResult[], titles: readonly string[], catalog: Catalog): ChartPanel[] {
  const bySlug = slugsOf(catalog);
  const families = [...new Set(runs.map((r) => familyOf(r.environment.kind)))];
  return families.flatMap((family) => {
    const members = runs.flatMap((run, i) => (familyOf(run.environment.kind) === family ? [{ run, title: titles[i] ?? '' }] : []));
    const seen = members.map((m) => ({ title: m.title, cells: survivalCells(m.run, bySlug) }));
    const keys = new Set(seen.flatMap((s) => [...s.cells.keys()]));
    const kinds = (Object.keys(catalog.survival.kinds) as MemoryKind[]).filter((k) => [...keys].some((key) => key.startsWith(`${k}/`)));
    const ops = Object.keys(catalog.survival.operations) as Operation[];
    const rows = kinds.flatMap((k) =>
      ops
        .filter((o) => keys.has(`${k}/${o}`))
        .map((o) => ({
          key: `${k}/${o}`,
          kind: plain(kindText(catalog.survival, family, k).label),
          operation: plain(operationName(catalog.survival, family, o)),
        })),
    );
    if (!rows.length) return [];
    const cells = seen.flatMap((s) =>
      rows.flatMap(({ key }) => {
        const c = s.cells.get(key);
        return c ? [{ engine: s.title, row: key, state: stateOf(c.text), text: c.text }] : [];
      }),
    );
    return [{ title: PANEL_TITLES[family], engines: seen.map((s) => s.title), rows, cells }];
  });
}

/** What a cell's words say: the read found the data, found it gone, or gave no answer on it. */
export function stateOf(text: string): CellState {
  if (text === 'kept') return 'kept';
  if (text.startsWith('lost')) return 'lost';
  return 'no answer';
}

// Markdown's code marks mean nothing in a picture, and the labels' asides (`(default)`, `(mq_open)`) do not fit it.
const plain = (text: string) =>
  text
    .replace(/`/g, '')
    .replace(/\s*\([^)]*\)/g, '')
    .trim();

const STEP_X = 54;
const STEP_Y = 20;
const KIND_WIDTH = 290;
const OP_WIDTH = 170;
const LABELS = KIND_WIDTH + OP_WIDTH;
/** Room for the slanted engine titles: above the grid, and past its right edge. */
const HEADER = 215;
const RIGHT = 230;
const TITLE = 24;
const GAP = 28;
const LEGEND = 44;

/** The SVG of the panels, one under the other, with one legend; deterministic for the same panels. */
export async function renderSurvivalChart(panels: readonly ChartPanel[]): Promise<string> {
  const width = Math.max(...panels.map((p) => p.engines.length), 1) * STEP_X;
  let top = LEGEND;
  const groups = panels.map((p, i) => {
    const y = top;
    top += TITLE + HEADER + p.rows.length * STEP_Y + GAP;
    return panelGroup(p, i, y);
  });
  const spec: vega.Spec = {
    description: 'What survives what, engine by engine: kept, lost or no answer, as each engine report saw it.',
    width: LABELS + width + RIGHT,
    height: top,
    padding: 8,
    autosize: 'none',
    background: 'white',
    config: { text: { font: 'sans-serif' }, legend: { labelFont: 'sans-serif', titleFont: 'sans-serif' } },
    scales: [{ name: 'state', type: 'ordinal', domain: ['kept', 'lost', 'no answer'], range: ['#2166ac', '#e08214', '#d9d9d9'] }],
    legends: [
      {
        fill: 'state',
        orient: 'none',
        legendX: 0,
        legendY: 0,
        direction: 'horizontal',
        title: 'The data after the operation:',
        titleOrient: 'left',
        titleLimit: 300,
        symbolType: 'square',
      },
    ],
    marks: [
      {
        type: 'text',
        encode: {
          enter: {
            x: { value: 0 },
            y: { value: 30 },
            text: { value: "Each cell is what that engine's run saw; a blank cell: the engine has no such operation, or its run did not take that read." },
            fontSize: { value: 11 },
            fill: { value: '#444' },
          },
        },
      },
      ...groups,
    ],
  };
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function panelGroup(panel: ChartPanel, index: number, y: number): vega.GroupMark {
  const cells = `cells${index}`;
  const rows = `rows${index}`;
  const engines = `engines${index}`;
  // A kind's label is written once, beside its first row; a rule above it parts it from the kind before.
  const rowValues = panel.rows.map((r, i) => ({ ...r, first: i === 0 || panel.rows[i - 1]?.kind !== r.kind }));
  const gridTop = TITLE + HEADER;
  // No `limit` on the labels: without a canvas Vega guesses text widths too wide and would cut labels that fit.
  const at = (field: string, band: number) => ({ scale: 'y', field, band, offset: gridTop });
  return {
    type: 'group',
    encode: { enter: { x: { value: 0 }, y: { value: y } } },
    data: [
      { name: cells, values: panel.cells },
      { name: rows, values: rowValues },
      { name: engines, values: panel.engines.map((engine) => ({ engine })) },
    ],
    scales: [
      { name: 'x', type: 'band', domain: panel.engines, range: { step: STEP_X }, padding: 0.06 },
      { name: 'y', type: 'band', domain: panel.rows.map((r) => r.key), range: { step: STEP_Y }, padding: 0.1 },
    ],
    marks: [
      {
        type: 'text',
        encode: { enter: { x: { value: 0 }, y: { value: 16 }, text: { value: panel.title }, fontSize: { value: 14 }, fontWeight: { value: 'bold' } } },
      },
      {
        // Engine titles, slanted above their columns.
        type: 'text',
        from: { data: engines },
        encode: {
          enter: {
            x: { scale: 'x', field: 'engine', band: 0.5, offset: LABELS },
            y: { value: gridTop - 6 },
            text: { field: 'engine' },
            angle: { value: -40 },
            align: { value: 'left' },
            baseline: { value: 'middle' },
            fontSize: { value: 10 },
          },
        },
      },
      {
        type: 'rule',
        from: { data: rows },
        encode: {
          enter: {
            x: { value: 0 },
            x2: { value: LABELS + panel.engines.length * STEP_X },
            y: at('key', -0.05),
            stroke: { value: '#999' },
            strokeWidth: { signal: 'datum.first ? 1 : 0' },
          },
        },
      },
      {
        type: 'text',
        from: { data: rows },
        encode: {
          enter: {
            x: { value: 0 },
            y: at('key', 0.5),
            text: { signal: "datum.first ? datum.kind : ''" },
            baseline: { value: 'middle' },
            fontSize: { value: 11 },
            fontWeight: { value: 'bold' },
          },
        },
      },
      {
        type: 'text',
        from: { data: rows },
        encode: {
          enter: {
            x: { value: LABELS - 8 },
            y: at('key', 0.5),
            text: { field: 'operation' },
            align: { value: 'right' },
            baseline: { value: 'middle' },
            fontSize: { value: 11 },
          },
        },
      },
      {
        type: 'rect',
        from: { data: cells },
        encode: {
          enter: {
            x: { scale: 'x', field: 'engine', offset: LABELS },
            width: { scale: 'x', band: 1 },
            y: at('row', 0),
            height: { scale: 'y', band: 1 },
            fill: { scale: 'state', field: 'state' },
            tooltip: { signal: "datum.engine + ': ' + datum.text" },
          },
        },
      },
      {
        type: 'text',
        from: { data: cells },
        encode: {
          enter: {
            x: { scale: 'x', field: 'engine', band: 0.5, offset: LABELS },
            y: at('row', 0.5),
            text: { signal: "datum.state === 'no answer' ? '?' : datum.state" },
            align: { value: 'center' },
            baseline: { value: 'middle' },
            fontSize: { value: 10 },
            fill: { signal: "datum.state === 'no answer' ? '#333' : 'white'" },
          },
        },
      },
    ],
  };
}
