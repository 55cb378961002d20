// Arguments as a shell needs them, so that a transcript's command can be pasted as it is.
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_\-./=:@,+%]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
