/**
 * Which acknowledged events are missing: every `{id, seq}` the server answered 201 with is kept
 * (as a 32-bit hash of the id per seq, so that ten minutes of ingest fit in memory), then the
 * org's whole log is read back as JSONL and each acknowledged seq must come back with its id.
 */
export class Acknowledged {
  private idHashes = new Uint32Array(1 << 20);
  private present = new Uint8Array(1 << 20);
  count = 0;

  record(seq: number, id: string): void {
    if (seq >= this.present.length) {
      const size = Math.max(seq + 1, this.present.length * 2);
      const hashes = new Uint32Array(size);
      hashes.set(this.idHashes);
      const present = new Uint8Array(size);
      present.set(this.present);
      this.idHashes = hashes;
      this.present = present;
    }
    if (this.present[seq] === 1) throw new Error(`seq ${seq} acknowledged twice`);
    this.present[seq] = 1;
    this.idHashes[seq] = hashOf(id);
    this.count++;
  }

  /** Marks `seq` found when its id matches; answers whether it was acknowledged and matched. */
  find(seq: number, id: string): boolean {
    if (this.present[seq] !== 1 || this.idHashes[seq] !== hashOf(id)) return false;
    this.present[seq] = 2;
    return true;
  }
}

/** FNV-1a over the id's UTF-16 code units. */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Reads the org's log back (JSONL export of the default window) and answers how many acknowledged events it lacks. */
export async function checkNothingLost(
  url: string,
  key: string,
  acked: Acknowledged,
  log: (line: string) => void,
): Promise<number> {
  const res = await fetch(`${url}/v1/events/export.jsonl`, { headers: { authorization: `Bearer ${key}` } });
  if (!res.ok || !res.body) throw new Error(`export for the check: ${res.status}`);
  const decoder = new TextDecoder();
  let rest = '';
  let found = 0;
  const take = (line: string) => {
    if (!line) return;
    const event = JSON.parse(line) as { id: string; seq: number };
    if (acked.find(event.seq, event.id)) found++;
  };
  for await (const chunk of res.body) {
    const lines = (rest + decoder.decode(chunk as Uint8Array, { stream: true })).split('\n');
    rest = lines.pop()!;
    for (const line of lines) take(line);
  }
  take(rest);
  const lost = acked.count - found;
  log(`soak check: ${acked.count} acknowledged, ${found} read back, ${lost} lost\n`);
  return lost;
}
