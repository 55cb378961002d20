// A report carried in a container's log: gzip, then base64 in short lines between two marker lines. Short lines
// because log pipelines split long ones (containerd's CRI logger at 16 KiB, tagging the pieces "P"); gzip because a
// full report is hundreds of KiB of JSON. The reader takes plain lines, `kubectl logs --timestamps` lines and the
// CRI log file format (`<time> <stream> <P|F> <text>`, partial pieces joined).
import { gunzipSync, gzipSync } from 'node:zlib';

const BEGIN = '-----BEGIN SHMLAB REPORT';
const END = '-----END SHMLAB REPORT-----';
const WIDTH = 76;

/** The lines that carry `json` (a report file's text) under the name `name` (e.g. containerd-2.1.9.json). */
export function encodeReportBlock(name: string, json: string): string[] {
  if (!/^[\w.+-]+$/.test(name)) throw new Error(`a report block's name must be a plain file name, not ${JSON.stringify(name)}`);
  const data = gzipSync(Buffer.from(json, 'utf8'), { level: 9 }).toString('base64');
  const lines = [`${BEGIN} ${name}-----`];
  for (let i = 0; i < data.length; i += WIDTH) lines.push(data.slice(i, i + WIDTH));
  lines.push(END);
  return lines;
}

interface ReportBlock {
  name: string;
  json: string;
}

const CRI_LINE = /^\d{4}-\d\d-\d\dT\S+ (stdout|stderr) ([PF]) (.*)$/;
const STAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) (.*)$/;

/** The log's text as the program wrote it: CRI pieces joined, timestamps dropped. */
function plainLines(log: string): string[] {
  const out: string[] = [];
  let partial = '';
  for (const raw of log.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const cri = CRI_LINE.exec(line);
    if (cri) {
      partial += cri[3];
      if (cri[2] === 'F') {
        out.push(partial);
        partial = '';
      }
      continue;
    }
    const stamped = STAMPED.exec(line);
    out.push(stamped?.[3] ?? line);
  }
  if (partial) out.push(partial);
  return out;
}

const BASE64_LINE = /^[A-Za-z0-9+/=]{1,76}$/;

/**
 * Every complete report block in a log, in order. Lines of other writers inside a block (stderr, a signal's message)
 * are passed over; a block cut off (the pod ended while printing) or damaged is left out, the others kept.
 */
export function decodeReportBlocks(log: string): ReportBlock[] {
  const blocks: ReportBlock[] = [];
  let name: string | undefined;
  let data: string[] = [];
  for (const line of plainLines(log)) {
    const text = line.trim();
    const begin = /^-----BEGIN SHMLAB REPORT ([\w.+-]+)-----$/.exec(text);
    if (begin) {
      name = begin[1];
      data = [];
    } else if (text === END && name !== undefined) {
      try {
        blocks.push({ name, json: gunzipSync(Buffer.from(data.join(''), 'base64')).toString('utf8') });
      } catch {
        // damaged on its way: not a report
      }
      name = undefined;
    } else if (name !== undefined && BASE64_LINE.test(text)) {
      data.push(text);
    }
  }
  return blocks;
}
