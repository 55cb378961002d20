import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../experiments/index.js';
import { ROOT } from '../paths.js';
import { byEngine } from './engine-order.js';
import { readReport } from './read-report.js';
import { slugsOf, survivalCells } from './render-markdown.js';
import { columnTitle } from './report-name.js';
import { renderSurvivalChart, stateOf, survivalPanels } from './survival-chart.js';

// The committed reports of the last matrix: real runs, with every kind of cell (kept, lost, no answer, none).
const dir = join(ROOT, 'reports');
const runs = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => readReport(join(dir, f)))
  .sort(byEngine);
const titles = runs.map((r) => columnTitle(r.environment));

interface Text {
  text: string;
  fill?: string;
}

/** Every <text> of the SVG, with its fill, in document order. */
function texts(svg: string): Text[] {
  const tree = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, textNodeName: '#text' }).parse(svg);
  const out: Text[] = [];
  const walk = (nodes: Record<string, unknown>[]) => {
    for (const node of nodes) {
      const attrs = (node[':@'] ?? {}) as Record<string, string>;
      for (const [name, children] of Object.entries(node)) {
        if (name === ':@' || !Array.isArray(children)) continue;
        if (name === 'text') out.push({ text: children.map((c) => String((c as { '#text'?: unknown })['#text'] ?? '')).join(''), fill: attrs.fill });
        else walk(children as Record<string, unknown>[]);
      }
    }
  };
  walk(tree);
  return out;
}

describe('the survival picture', () => {
  it('has a panel per family, a column per engine and, in each cell, what that engine report says', async () => {
    const panels = survivalPanels(runs, titles, CATALOG);
    expect(panels.map((p) => p.title)).toEqual(['Docker API engines: a container', 'Kubernetes through CRI: a container of a pod']);
    // Every cell is one of a report's survival cells, with its words; and every such cell of a report is drawn.
    const bySlug = slugsOf(CATALOG);
    const fromReports = runs.flatMap((run, i) => [...survivalCells(run, bySlug)].map(([key, c]) => `${titles[i]}|${key}|${c.text}`));
    const drawn = panels.flatMap((p) => p.cells.map((c) => `${c.engine}|${c.row}|${c.text}`));
    expect(drawn.sort()).toEqual(fromReports.sort());
    for (const c of panels.flatMap((p) => p.cells)) expect(c.state).toBe(stateOf(c.text));
    expect(new Set(panels.flatMap((p) => p.cells.map((c) => c.state)))).toEqual(new Set(['kept', 'lost', 'no answer']));
  });

  it('is well-formed SVG whose cells and labels are the panels', async () => {
    const panels = survivalPanels(runs, titles, CATALOG);
    const svg = await renderSurvivalChart(panels);
    expect(XMLValidator.validate(svg)).toBe(true);
    const all = texts(svg);
    const cells = panels.flatMap((p) => p.cells);
    // Cell words are white on their colour; "no answer" is a dark "?" on grey.
    const count = (text: string, fill: string) => all.filter((t) => t.text === text && t.fill === fill).length;
    expect(count('kept', 'white')).toBe(cells.filter((c) => c.state === 'kept').length);
    expect(count('lost', 'white')).toBe(cells.filter((c) => c.state === 'lost').length);
    expect(count('?', '#333')).toBe(cells.filter((c) => c.state === 'no answer').length);
    const words = new Set(all.map((t) => t.text));
    for (const p of panels) {
      expect(words).toContain(p.title);
      for (const e of p.engines) expect(words).toContain(e);
      for (const r of p.rows) expect(words).toContain(r.operation);
    }
    // The same panels draw the same picture (the committed file changes only when a run does).
    expect(await renderSurvivalChart(panels)).toBe(svg);
  });

  it('draws nothing for runs without a survival cell', () => {
    expect(survivalPanels([], [], CATALOG)).toEqual([]);
  });
});
