// A matrix row read back, for the tests that compare a gathered matrix with one rendered directly.

/** The grid's cells for one experiment, each as its sign, brief (or letter) and dagger, without the link. */
export function verdictCells(md: string, slug: string): string[] {
  const line = md.split('\n').find((l) => l.startsWith(`| [${slug}]`) || l.startsWith(`| **[${slug}]`));
  if (!line) throw new Error(`no row for ${slug}`);
  return line
    .slice(2, -2)
    .split(' | ')
    .slice(1)
    .map((c) => c.replace(/\[([^\]]*)\]\([^)]*\)/, '$1'));
}
