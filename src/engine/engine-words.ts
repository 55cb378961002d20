// An engine's answer in its own words, whatever the family: the message of its error answer, trimmed.
export function engineWords(err: unknown): string {
  const e = err as { json?: { message?: string }; reason?: string; message?: string };
  return (e.json?.message ?? e.message ?? String(err)).trim();
}
