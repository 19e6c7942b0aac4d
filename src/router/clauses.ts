import type { Route } from './index.js';

// Rewriting a question into the query each route receives: filler stripped, multi-part questions
// split into clauses, and a clause that lost its subject given the question's names back.

// ---------------------------------------------------------------------------------------------
// Query rewriting

const LEAD_FILLER =
  /^(?:(?:hey|hi|hello|ok(?:ay)?|so|um+|please)[,!.]?\s+)*(?:(?:can|could|would|will) you(?: please)?\s+|please\s+|i (?:want|would like|'d like|need) (?:you )?to\s+|i(?:'m| am) (?:curious|wondering)(?: about)?\s+|do you know\s+)?(?:(?:tell|let) me(?: know)?(?: about)?\s+|i (?:want|would like|'d like) to know\s+)?/i;
const WEB_LEAD = /^(?:search (?:the )?(?:web|internet|online) for|search online for|web search for|google|look up(?: online)?|check (?:the web|online) (?:for|what)|find (?:online|on the web)|find out)\s+/i;
const VECTOR_LEAD =
  /^(?:show(?: me)?|find(?: me)?|search(?: my \w+)?(?: for)?|look (?:for|up)|locate|retrieve|pull up|give me|get me|fetch|display|i(?:'m| am) looking for|do i have(?: any)?|is there(?: anything)?|are there(?: any)?|any)\s+/i;
const TRAIL_FILLER = /[\s,]*(?:please|thanks|thank you|for me)?[\s?.!]*$/i;

function clean(text: string, lead?: RegExp): string {
  let t = text.trim().replace(/\s+/g, ' ').replace(LEAD_FILLER, '');
  if (lead) t = t.replace(lead, '');
  t = t.replace(TRAIL_FILLER, '').replace(/^(?:and|also|then|plus|with)\s+/i, '').trim();
  return t;
}

/** Split "show me X and tell me who Y" into its parts (only on clear clause boundaries). */
export function splitClauses(question: string): string[] {
  const parts = question
    .split(/\s*[;?]\s+|,\s*(?:and\s+)?(?=(?:tell|show|what|who|how|which|where|when|list|find|give|is|are|do|does|did|any|also|and)\b)|\s+and\s+(?=(?:tell|show|what|who|how|which|where|when|list|find|give|also|is there|are there|do i|any|the latest|today|its|his|her|their)\b)|\s+with\s+(?=(?:photos|pictures|images)\b)/i)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  return parts.length ? parts : [question];
}

/** Runs of capitalised words after the first word ("Marie Curie", "Nobel Prize"). */
function entityNames(question: string): string[] {
  const words = question.trim().split(/\s+/);
  const names: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length) names.push(run.join(' '));
    run = [];
  };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!.replace(/^[^A-Za-z0-9]+|(?:'s|’s)?[^A-Za-z0-9]*$/g, '');
    if (/^[A-Z][A-Za-z0-9-]*$/.test(w) && w !== 'I') {
      run.push(w);
      if (/[,;?!.]$/.test(words[i]!)) flush();
    } else flush();
  }
  flush();
  return [...new Set(names)];
}

export function queryFor(route: Route, question: string, clausesByRoute: Map<Route, string[]>, multi: boolean): string {
  const own = clausesByRoute.get(route);
  const lead = route === 'WEB' ? WEB_LEAD : route === 'VECTOR' ? VECTOR_LEAD : undefined;
  if (multi && own && own.length) {
    const joined = clean(own.join(', '), lead);
    if (joined.split(/\s+/).length >= 2) {
      // "who she married" lost its entity: name the question's entities alongside.
      const have = entityNames(`x ${joined}`);
      const missing = entityNames(question).filter((n) => !have.some((h) => h.includes(n) || n.includes(h)));
      return have.length === 0 && missing.length ? `${joined} (${missing.join(', ')})` : joined;
    }
  }
  const q = clean(question, lead);
  return q.length >= 2 ? q : question.trim();
}
