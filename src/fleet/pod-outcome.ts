// What one shmlab pod gave: its node's report, taken from its log and checked against the report's schema, or why
// there is none, in the API's and the log's own words. Pure: the API calls are gather.ts'.
import type { V1Pod } from '@kubernetes/client-node';
import type { RunResult } from '../model/result.js';
import { reportProblem } from '../report/validate-report.js';
import { CONTAINER } from './fleet-names.js';
import { decodeReportBlocks } from './log-block.js';

interface Outcome {
  /** The node's name, or for a pod no node took, `pod <name>`. */
  node: string;
  pod: string;
  /** When the pod was created (ms since the epoch): of two pods on one node, the later one's word counts. */
  created: number;
}

export type PodOutcome =
  | (Outcome & { run: RunResult; json: string })
  /** No report; `refused`: there was one, but it is not a shmlab report (the user is told, not only the matrix). */
  | (Outcome & { why: string; refused?: true });

/** The pod's log, or the API's words for why it could not be read. */
export type PodLog = { text: string } | { error: string };

export function podOutcome(pod: V1Pod, log: PodLog): PodOutcome {
  const name = pod.metadata?.name ?? 'unnamed';
  const base = { node: pod.spec?.nodeName ?? `pod ${name}`, pod: name, created: pod.metadata?.creationTimestamp?.getTime?.() ?? 0 };
  if ('error' in log) return { ...base, why: `${podState(pod)}; its log could not be read (${log.error})` };
  let blocks: ReturnType<typeof decodeReportBlocks>;
  try {
    blocks = decodeReportBlocks(log.text);
  } catch (err) {
    return { ...base, why: `${podState(pod)}; the report in its log is damaged (${(err as Error).message})`, refused: true };
  }
  const block = blocks.filter((b) => b.name.endsWith('.json')).at(-1);
  if (!block) {
    const last = lastLine(log.text);
    return { ...base, why: `${podState(pod)}; no complete report in its log${last ? `, which ends: \`${last}\`` : ' (empty)'}` };
  }
  let data: unknown;
  try {
    data = JSON.parse(block.json);
  } catch {
    return { ...base, why: `the report ${block.name} in its log (pod ${name}) is not valid JSON`, refused: true };
  }
  const problem = reportProblem(data);
  if (problem) return { ...base, why: `the report ${block.name} in its log (pod ${name}) is not a shmlab report: ${problem}`, refused: true };
  return { ...base, run: data as RunResult, json: block.json.endsWith('\n') ? block.json : `${block.json}\n` };
}

/** The pod's phase and its container's state, in the API's words: `pod Failed (container terminated: Error, exit code 2)`. */
function podState(pod: V1Pod): string {
  const status = pod.status;
  const words: string[] = [];
  if (status?.reason) words.push(status.message ? `${status.reason}: ${status.message}` : status.reason);
  const container = status?.containerStatuses?.find((c) => c.name === CONTAINER);
  const state = container?.state;
  if (state?.waiting) words.push(`container waiting: ${[state.waiting.reason, state.waiting.message].filter(Boolean).join(', ') || 'no reason given'}`);
  if (state?.terminated) {
    const t = state.terminated;
    words.push(`container terminated: ${[t.reason, `exit code ${t.exitCode}`, t.message].filter(Boolean).join(', ')}`);
  }
  if (state?.running) words.push('container running');
  if (container?.restartCount) words.push(`restarted ${container.restartCount} time${container.restartCount === 1 ? '' : 's'}`);
  // A pod no node took: the scheduler's words.
  const unscheduled = status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled) words.push(`not scheduled: ${[unscheduled.reason, unscheduled.message].filter(Boolean).join(', ')}`);
  return `pod ${status?.phase ?? 'in an unknown phase'}${words.length ? ` (${words.join('; ')})` : ''}`;
}

// The log's last line as the program wrote it (a timestamp or a CRI prefix taken off), short and on one line.
function lastLine(log: string): string | undefined {
  const line = log
    .split('\n')
    .map((l) => l.replace(/^\d{4}-\d\d-\d\dT\S+ ((stdout|stderr) [PF] )?/, '').trim())
    .filter(Boolean)
    .at(-1);
  if (!line) return undefined;
  const plain = line.replace(/`/g, "'");
  return plain.length > 160 ? `${plain.slice(0, 157)}…` : plain;
}
