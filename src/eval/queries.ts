/** The retrieval evaluation's query file: one JSON object per line (see data/retrieval/README.md). */
export interface EvalQuery {
  query: string;
  relevant: string[];
  kind: string;
  line: number;
}

export class EvalFormatError extends Error {}

/** Parse the JSONL; blank lines are skipped, anything malformed throws naming the line. */
export function parseQueries(text: string, source = 'input'): EvalQuery[] {
  const out: EvalQuery[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    let o: unknown;
    try {
      o = JSON.parse(raw);
    } catch (err) {
      throw new EvalFormatError(`${source}:${line}: not valid JSON (${(err as Error).message})`);
    }
    const q = o as { query?: unknown; relevant?: unknown; kind?: unknown };
    if (!q || typeof q !== 'object' || Array.isArray(q)) throw new EvalFormatError(`${source}:${line}: expected a JSON object`);
    if (typeof q.query !== 'string' || !q.query.trim()) throw new EvalFormatError(`${source}:${line}: "query" must be a non-empty string`);
    if (!Array.isArray(q.relevant) || q.relevant.length === 0 || !q.relevant.every((r) => typeof r === 'string' && r)) {
      throw new EvalFormatError(`${source}:${line}: "relevant" must be a non-empty list of item sources`);
    }
    if (q.kind !== undefined && typeof q.kind !== 'string') throw new EvalFormatError(`${source}:${line}: "kind" must be a string`);
    out.push({ query: q.query, relevant: q.relevant as string[], kind: (q.kind as string | undefined) || 'all', line });
  });
  if (out.length === 0) throw new EvalFormatError(`${source}: no queries`);
  return out;
}
