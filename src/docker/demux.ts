// Splits the engine's multiplexed log stream (8-byte frame headers: stream, 0, 0, 0, size) into stdout and stderr.
export function demux(buffer: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buffer.length) {
    const kind = buffer[at];
    const size = buffer.readUInt32BE(at + 4);
    const frame = buffer.subarray(at + 8, at + 8 + size);
    (kind === 2 ? err : out).push(frame);
    at += 8 + size;
  }
  if (at === 0 && buffer.length > 0 && buffer[0]! > 2) return { stdout: buffer.toString(), stderr: '' }; // a TTY stream has no frames
  return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}
