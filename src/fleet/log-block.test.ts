import { describe, expect, it } from 'vitest';
import { decodeReportBlocks, encodeReportBlock } from './log-block.js';

const json = JSON.stringify({ format: 1, experiments: Array.from({ length: 200 }, (_, i) => ({ slug: `e${i}`, verdict: 'as expected' })) });
const block = encodeReportBlock('docker-20.10.json', json);

describe('report blocks in a log', () => {
  it('round-trips through plain lines, CRLF, and kubectl --timestamps lines', () => {
    expect(decodeReportBlocks(['progress', ...block, 'after'].join('\n'))).toEqual([{ name: 'docker-20.10.json', json }]);
    expect(decodeReportBlocks(block.join('\r\n'))[0]?.json).toBe(json);
    const stamped = block.map((l) => `2026-12-04T10:00:00.123456789Z ${l}`).join('\n');
    expect(decodeReportBlocks(stamped)[0]?.json).toBe(json);
  });

  it('joins the pieces containerd splits a long line into (P, then F)', () => {
    const log = block.flatMap((l) =>
      l.length > 40
        ? [`2026-12-04T10:00:00Z stdout P ${l.slice(0, 40)}`, `2026-12-04T10:00:00Z stdout F ${l.slice(40)}`]
        : [`2026-12-04T10:00:00Z stdout F ${l}`],
    );
    expect(decodeReportBlocks(log.join('\n'))[0]?.json).toBe(json);
  });

  it('passes over other lines inside a block, as a signal message on stderr', () => {
    const mixed = [...block.slice(0, 3), 'shmlab: SIGTERM: stopping after the current steps and cleaning up...', ...block.slice(3)];
    expect(decodeReportBlocks(mixed.join('\n'))[0]?.json).toBe(json);
  });

  it('leaves out a block cut off or damaged, and keeps the others', () => {
    const cut = block.slice(0, -3);
    expect(decodeReportBlocks(cut.join('\n'))).toEqual([]);
    const damaged = [block[0]!, 'AAAA', block.at(-1)!];
    const other = encodeReportBlock('containerd-1.6.json', '{"a":1}');
    expect(decodeReportBlocks([...block, ...damaged, ...other].join('\n')).map((b) => b.name)).toEqual(['docker-20.10.json', 'containerd-1.6.json']);
    expect(decodeReportBlocks([block[0]!, block.at(-1)!].join('\n'))).toEqual([]);
  });

  it('names a block only with a plain file name', () => {
    expect(() => encodeReportBlock('../x.json', '{}')).toThrow(/plain file name/);
  });
});
