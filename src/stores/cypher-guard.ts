/**
 * Static guard for Cypher written by a client or a model, applied before any such query reaches
 * the database (GraphStore.runReadOnly calls it, and text-to-Cypher uses it to decide on a repair).
 */

/** Procedures a generated query may CALL (all read-only). Compared case-insensitively. */
export const ALLOWED_PROCEDURES: ReadonlySet<string> = new Set([
  'db.index.fulltext.querynodes',
  'db.labels',
  'db.relationshiptypes',
  'db.propertykeys',
]);

const MAX_CYPHER_CHARS = 20_000;

/**
 * Static checks that do not depend on the model or the database: returns why the query is refused,
 * or null. String literals, comments and backtick-quoted names are understood, so `'a;b'` is fine.
 * Writes are left to `GraphStore.runReadOnly` (EXPLAIN query type + READ session); this catches what
 * EXPLAIN classifies as read ('r') but is not harmless: LOAD CSV (network/file access),
 * TERMINATE TRANSACTIONS and SHOW (administration), procedures, USE, several statements.
 */
export function checkCypherStatically(cypher: string): string | null {
  if (!cypher.trim()) return 'the query is empty';
  if (cypher.length > MAX_CYPHER_CHARS) return `the query is longer than ${MAX_CYPHER_CHARS} characters`;
  const scanned = codeOnly(cypher);
  if (typeof scanned !== 'string') return scanned.error;
  const code = scanned;

  if (/^\s*:/.test(code) || /^\s*:(begin|commit|rollback|params?|use|auto|source|exit|help|history|clear|server|sysinfo|play|config|style|connect|disconnect|schema|queries)\b/im.test(code)) {
    return 'shell commands (:begin, :param, :use ...) are not Cypher';
  }
  if (code.includes(';')) return 'only one statement is allowed (found ";" outside a string)';
  if (/\bLOAD\s+CSV\b/i.test(code)) return 'LOAD CSV is not allowed';
  if (/(?<![.\w$])apoc\s*\./i.test(code)) return 'APOC procedures and functions are not allowed';
  if (/(?<![.\w$])dbms\s*\./i.test(code)) return 'dbms.* procedures are not allowed';
  if (/(?<![.\w$])USE\s+[A-Za-z_]/i.test(code)) return 'USE (switching databases) is not allowed';
  if (/(?<![.\w$])TERMINATE\s+[A-Za-z_]/i.test(code)) return 'TERMINATE is not allowed';
  if (/(?<![.\w$])SHOW\s+[A-Za-z_]/i.test(code)) return 'SHOW commands are not allowed';

  const call = /(?<![.\w$])CALL\b/gi;
  for (let m = call.exec(code); m; m = call.exec(code)) {
    const rest = code.slice(m.index + m[0].length);
    // CALL { ... } and CALL (x) { ... } are subqueries: their clauses go through the same checks.
    if (/^\s*[{(]/.test(rest)) continue;
    const name = /^\s*([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_][\w]*)*)/.exec(rest)?.[1];
    if (!name) return 'CALL must be followed by a subquery { ... } or a procedure name';
    const proc = name.replace(/\s+/g, '');
    if (!ALLOWED_PROCEDURES.has(proc.toLowerCase())) {
      return `procedure ${proc} is not allowed (allowed: db.index.fulltext.queryNodes, db.labels, db.relationshipTypes, db.propertyKeys)`;
    }
  }
  return null;
}

/**
 * The query with string literals blanked (`''`), comments turned into spaces and backtick-quoted
 * names replaced by their text (non-word characters as `_`), so that keyword checks see only code
 * and still see an escaped procedure name such as `apoc`.`create`.
 */
function codeOnly(cypher: string): string | { error: string } {
  let out = '';
  let i = 0;
  const n = cypher.length;
  while (i < n) {
    const c = cypher[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n && cypher[j] !== c) j += cypher[j] === '\\' ? 2 : 1;
      if (j >= n) return { error: 'unterminated string literal' };
      out += "''";
      i = j + 1;
    } else if (c === '`') {
      let name = '';
      let j = i + 1;
      for (;;) {
        if (j >= n) return { error: 'unterminated `quoted name`' };
        if (cypher[j] === '`') {
          if (cypher[j + 1] === '`') {
            name += '`';
            j += 2;
            continue;
          }
          break;
        }
        name += cypher[j];
        j++;
      }
      out += name.replace(/[^\w.]/g, '_') || '_';
      i = j + 1;
    } else if (c === '/' && cypher[i + 1] === '/') {
      const end = cypher.indexOf('\n', i);
      out += ' ';
      i = end < 0 ? n : end;
    } else if (c === '/' && cypher[i + 1] === '*') {
      const end = cypher.indexOf('*/', i + 2);
      if (end < 0) return { error: 'unterminated /* comment' };
      out += ' ';
      i = end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

