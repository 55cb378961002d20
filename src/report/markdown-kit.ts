// Small pure helpers for GitHub-flavoured markdown.
import type { Verdict } from '../model/result.js';

export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ').trim();
}

export function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

export const VERDICT_MARK: Record<Verdict, string> = {
  'as expected': '✅ as expected',
  differs: '❌ differs',
  error: '⚠️ error',
  'not applicable': '➖ not applicable',
};

/** The verdict as one sign, for grids: VERDICT_MARK without its words. */
export const VERDICT_SIGN: Record<Verdict, string> = { 'as expected': '✅', differs: '❌', error: '⚠️', 'not applicable': '➖' };

/** Text that a table cell must not wrap (`✅ as expected`, `11.3 s`): its spaces as no-break spaces (U+00A0). */
export function nowrap(text: string): string {
  return text.replace(/ /g, '\u00a0');
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A fenced block that cannot be closed early by the text inside it. */
export function fence(text: string, info = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const bar = '`'.repeat(longest + 1);
  return `${bar}${info}\n${text.replace(/\n$/, '')}\n${bar}`;
}

/**
 * A block GitHub shows collapsed, with `summary` as its handle. The blank lines matter: without them GitHub reads the
 * body as HTML, not markdown, and a fenced block inside would not be one.
 */
export function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}
