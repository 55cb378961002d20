// Where the commands write: progress and results to stdout, problems to stderr.
export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}
