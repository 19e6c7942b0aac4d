import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ROUTES, type Route } from './index.js';

// What the offline router knows about a question: the trained model (weights over binary features),
// the features of a question (word unigrams, bigrams, first word, hand-written `h:` signals) and the
// scores they add up to. scripts/train-router.ts trains on exactly these features.

// ---------------------------------------------------------------------------------------------
// Model file

const ModelSchema = z.object({
  version: z.literal(1),
  routes: z.array(z.enum(['VECTOR', 'GRAPH', 'WEB'])).length(3),
  bias: z.array(z.number()).length(3),
  weights: z.record(z.string(), z.array(z.number()).length(3)),
  threshold: z.number().min(0).max(1),
  meta: z.record(z.string(), z.unknown()).optional(),
});
export type OfflineModel = z.infer<typeof ModelSchema>;

export const MODEL_URL = new URL('./offline-model.json', import.meta.url);
let defaultModel: OfflineModel | undefined;

/** Parse and check a model object (throws naming the problem). */
export function parseOfflineModel(raw: unknown): OfflineModel {
  const parsed = ModelSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid offline router model: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The shipped model (src/router/offline-model.json), read once. */
export function loadOfflineModel(): OfflineModel {
  defaultModel ??= parseOfflineModel(JSON.parse(readFileSync(MODEL_URL, 'utf8')));
  return defaultModel;
}

// ---------------------------------------------------------------------------------------------
// Signals (hand features) and tokens

interface Signal {
  /** Feature name, `h:` + id. */
  id: string;
  /** Human wording for reasons. */
  label: string;
  re: RegExp;
  /** Fixed logit boosts applied on top of the model (only for unambiguous phrasings). */
  boost?: Partial<Record<Route, number>>;
}

const TIME =
  /\b(today|today's|tonight|tomorrow|yesterday|this (?:morning|afternoon|evening|week|weekend|month|year|season|quarter)|last (?:night|week|weekend|game|match|month)|right now|at the moment|currently|current|latest|newest|most recent|recent(?:ly)?|fresh|breaking|live (?:score|scores|stream|coverage|updates?|results?|blog|feed|now)|livestream|upcoming|these days|so far this|as of now|nowadays|still|yet|going on|happening|next (?:week|month|year|launch|game|match|election|season|full moon)|this (?:sunday|monday|tuesday|wednesday|thursday|friday|saturday))\b/;

export const SIGNALS: readonly Signal[] = [
  { id: 'web_time', label: 'time-sensitive wording', re: TIME },
  { id: 'web_year', label: 'a recent year', re: /\b20(?:2[5-9]|[3-9]\d)\b/ },
  {
    id: 'web_topic',
    label: 'news/prices/weather topic',
    re: /\b(news|headlines?|weather|forecast|temperature|sunny|rain(?:ing|y)?|storms?|hurricanes?|earthquakes?|wildfires?|stock price|share price|stocks?|shares|markets?|prices?|pricing|costs?|how much (?:is|are|does|do|did)|cheap(?:est)?|deals?|discounts?|buy|going rate|exchange rate|interest rates?|rates|inflation|score|scores|standings|won|winning|win|lost|box office|charts|release date|released|release notes|launch(?:ed|es)?|announce(?:d|ment|ments)?|trending|traffic|flights?|flight status|delays?|elections?|polls?|outages?|down right now|schedule|tickets?|opening hours|open (?:today|now|tonight)|closed on|reviews?|rumou?rs?|best (?:\w+ )?(?:to buy|in 20\d\d|right now)|versions?|update[sd]?|kick off|playoffs?|tournament|championship|season)\b/,
  },
  {
    id: 'web_explicit',
    label: 'asks for a web search',
    re: /\b(search (?:the )?(?:web|internet|online)|web search|on the (?:web|internet)|online|google(?: it)?|look (?:it )?up online|check the web|browse)\b/,
    boost: { WEB: 2 },
  },
  {
    id: 'vec_visual',
    label: 'visual media words',
    re: /\b(pictures?|photos?|photographs?|photography|images?|pics?|imagery|shots?|snaps?|snapshots?|portraits?|selfies?|footage|frames?|thumbnails?|emojis?|icons?|logos?|stickers?|gifs?|memes?|posters?|graphics?|drawings?|drawn|illustrations?|illustrated|paintings?|painted|sketch(?:es|ed)?|doodles?|screenshots?|scans?|renders?|diagrams?|charts? (?:of|showing)|visuals?|artwork|wallpapers?|clip ?art)\b/,
  },
  {
    id: 'vec_looks',
    label: 'visual description',
    re: /\b(looks? like|look similar|looking like|visually|resembl\w*|depict\w*|what (?:does|do|did) .{1,40} look like|colou?red|in the style of|with an? [\w ]{1,30} on it|(?:red|orange|yellow|green|blue|purple|pink|black|white|golden|silver) (?!cross\b|sox\b|house\b)\w+)\b/,
  },
  {
    id: 'vec_corpus',
    label: "the user's own content",
    re: /\b(my (?:notes?|documents?|docs|files?|uploads?|collection|library|pdfs?|folders?|archive|essays?|writing|write-?ups?|drafts?|slides?|recipes?|bookmarks?|reports?|research|papers?|stuff|material)|(?:i|we) (?:saved|ingested|uploaded|wrote|stored|collected|added|kept|filed|have saved|put)|in (?:my|our|the) (?:knowledge base|collection|corpus|documents|archive|uploads|files)|knowledge base|ingested|uploaded|stored|documents?|files?|passages?|chunks?|snippets?|paragraphs?|excerpts?|notes? (?:on|about)|pdfs?|slides?|slide deck|decks?|write-?ups?|memos?|transcripts?|material (?:on|about)|content)\b/,
  },
  {
    id: 'vec_similar',
    label: 'semantic similarity',
    re: /\b(similar to|similar|semantically|close in meaning|related content|most relevant|relevant to|like this one|anything (?:about|on)|that (?:talk|talks|discuss|discusses|mention|mentions|cover|covers|explain|explains|describe|describes) )/,
  },
  {
    id: 'graph_path',
    label: 'relationship between named things',
    re: /\b(how (?:is|are|was|were) .{1,60} (?:related|connected|linked|associated|tied) (?:to|with)|(?:relationship|relation|connection|link|path|links|connections|ties) (?:between|from)|what (?:ties|connects|links) |degrees? of separation|shortest path|connected to both|related in any way|in common|(?:is|are|was|were) .{1,40} (?:related|linked|connected|family) (?:to|with)?)/,
    boost: { GRAPH: 1 },
  },
  {
    id: 'graph_rel',
    label: 'relationship words',
    re: /\b(related|relationships?|relations?|connected|connections?|linked|associated with|affiliated|collaborat\w*|colleagues?|co-?authors?|co-?workers?|founders?|co-?founders?|founded|founding|works? (?:at|for|with|on)|worked (?:at|for|with|on)|employ\w*|employer|reports? to|manages?|managed|managers?|heads?|leads?|runs|in charge of|ceo of|member(?:s|ship)? of|members|belongs? to|belonged to|part of|mentor\w*|students?|pupils?|teachers?|taught|tutor\w*|studied (?:at|under|with)|influenc\w*|subsidiar\w*|parent (?:company|organi[sz]ation)|owned by|owns|invested in|backed|acquired|partners?|allies|rivals?|friends?|succeeded|came before|came after|predecessors?|successors?|directed|wrote|authored|invented|created by|designed by|born in|died in|lives? in|located in|based in|headquartered|borders?|neighbou?rs?|dependenc\w*|depends? on|depend on|uses?|attended|corresponded|met|knew)\b/,
  },
  {
    id: 'graph_kin',
    label: 'family/kinship words',
    re: /\b(spouses?|wife|wives|husbands?|married|marry|marriage|wed|whom|dating|children|child|kids|sons?|daughters?|mother|father|parents?|siblings?|brothers?|sisters?|grand(?:father|mother|son|daughter|parents?|children)|great-grand\w*|cousins?|uncles?|aunts?|nephews?|nieces?|relatives?|family|ancestors?|descendants?|heirs?|dynasty)\b/,
  },
  {
    id: 'graph_struct',
    label: 'graph structure words',
    re: /\b(nodes?|edges?|entit(?:y|ies)|entity types?|relationship types?|in (?:the|our|my) (?:knowledge )?graph|according to (?:the|our) (?:graph|data)|the graph|knowledge graph|neighbou?rhood|hops?)\b/,
    boost: { GRAPH: 1.5 },
  },
  {
    id: 'graph_list',
    label: 'listing/counting entities',
    re: /\b(list (?:all|every|the)|enumerate|how many|count (?:the|all)?|number of|which (?:\w+ ){0,2}(?:are|were|is|was|did|does|do|has|have)|who (?:are|were) the|name (?:all|the|every)|everyone|everybody|all (?:the )?(?:people|persons|companies|organi[sz]ations|cities|countries|products|members|employees))\b/,
  },
  { id: 'who_is', label: '"who is/was"', re: /^(?:\w+ )?(?:who|whom)(?:'s| is| was| are| were| did| has| heads| leads| runs| owns)\b/ },
  { id: 'show_me', label: '"show/find me"', re: /^(?:(?:can|could|would) you |please )?(?:show|find|search|look for|locate|retrieve|pull up|bring up|dig up|display|give me|get me|fetch)\b/ },
  { id: 'first_person', label: 'first person', re: /\b(i|i've|i'd|i'm|my|we|our|ours|mine)\b/ },
];

/** Route-evidence groups: `h:no_<route>` fires when none of that route's signals did. */
const EVIDENCE: Record<Route, string[]> = {
  VECTOR: ['vec_visual', 'vec_looks', 'vec_corpus', 'vec_similar'],
  GRAPH: ['graph_path', 'graph_rel', 'graph_kin', 'graph_struct', 'graph_list'],
  WEB: ['web_explicit', 'web_time', 'web_topic', 'web_year'],
};

const ARTICLES = new Set(['a', 'an', 'the']);
const CONTRACTED = new Set(['what', 'who', 'that', 'it', 'there', 'here', 'he', 'she', 'where', 'how', 'let', 'when', 'why']);
const KEEP = new Set(['news', 'series', 'species', 'always', 'ours', 'yours', 'its', 'his', 'this', 'was', 'has', 'does', 'is', 'us', 'bus', 'gas', 'status', 'across', 'less']);

/** A deliberately light stemmer: plural -s/-es/-ies, -ing, -ed. */
export function stem(w: string): string {
  if (w.length <= 3 || KEEP.has(w) || w.endsWith('ics')) return w;
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (/(?:ches|shes|xes)$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('s') && !/(?:ss|us|is|os)$/.test(w)) return w.slice(0, -1);
  if (w.endsWith('ing') && w.length > 5) return w.slice(0, -3);
  if (w.endsWith('ed') && w.length > 4) return w.slice(0, -2);
  return w;
}

/** Lowercased, stemmed tokens; "X's" -> "x" + "'s"; "what's" -> "what is"; years -> <year>, numbers -> <num>. */
export function tokenize(question: string): string[] {
  const raw = question.toLowerCase().replace(/[’‘`]/g, "'").match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? [];
  const out: string[] = [];
  for (const word of raw) {
    const apos = word.indexOf("'");
    const base = apos >= 0 ? word.slice(0, apos) : word;
    const tail = apos >= 0 ? word.slice(apos) : '';
    if (/^\d+$/.test(base)) out.push(/^(?:19|20)\d\d$/.test(base) ? '<year>' : '<num>');
    else if (!ARTICLES.has(base)) out.push(stem(base));
    if (tail === "'s") out.push(CONTRACTED.has(base) ? 'is' : "'s");
    else if (tail === "'re") out.push('are');
  }
  return out;
}

export interface Features {
  names: string[];
  /** Signal id -> matched text, for reasons. */
  signals: Map<string, string>;
}

/** Capitalised words that are not the first word: a rough count of named entities. */
function properNames(question: string): number {
  const words = question.trim().split(/\s+/);
  let n = 0;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!.replace(/^[^A-Za-z]+/, '');
    if (/^[A-Z][a-z]/.test(w) && !/^(I|I'm|I've|I'd)$/.test(w)) n++;
  }
  return n;
}

/** The binary features of a question: `w:` unigrams, `b:` bigrams, `f:` first word, `h:` signals. */
export function featurize(question: string): Features {
  const toks = tokenize(question);
  const names = new Set<string>();
  for (const t of toks) names.add(`w:${t}`);
  for (let i = 0; i + 1 < toks.length; i++) names.add(`b:${toks[i]} ${toks[i + 1]}`);
  if (toks[0]) names.add(`f:${toks[0]}`);
  const lower = question.toLowerCase().replace(/[’‘`]/g, "'");
  const signals = new Map<string, string>();
  for (const s of SIGNALS) {
    const m = s.re.exec(lower);
    if (m) {
      signals.set(s.id, m[0]);
      names.add(`h:${s.id}`);
    }
  }
  for (const r of ROUTES) if (!EVIDENCE[r].some((id) => signals.has(id))) names.add(`h:no_${r.toLowerCase()}`);
  const proper = properNames(question);
  if (proper >= 1) names.add('h:proper1');
  if (proper >= 2) names.add('h:proper2');
  if (toks.length <= 4) names.add('h:short');
  return { names: [...names], signals };
}

// ---------------------------------------------------------------------------------------------
// Scoring

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export interface Scores {
  /** Per route (ROUTES order): the raw logit including rule boosts, before context. */
  logits: Record<Route, number>;
  features: Features;
}

/** Model logits + fixed rule boosts for one question. */
export function score(model: OfflineModel, question: string, features = featurize(question)): Scores {
  const logits = { VECTOR: 0, GRAPH: 0, WEB: 0 } as Record<Route, number>;
  model.routes.forEach((r, i) => (logits[r] = model.bias[i]!));
  for (const f of features.names) {
    const w = model.weights[f];
    if (!w) continue;
    model.routes.forEach((r, i) => (logits[r] += w[i]!));
  }
  for (const s of SIGNALS) {
    if (!s.boost || !features.signals.has(s.id)) continue;
    for (const [r, b] of Object.entries(s.boost) as [Route, number][]) logits[r] += b;
  }
  return { logits, features };
}

/** Probabilities without context (what training and evaluation compare). */
export function probabilities(model: OfflineModel, question: string): Record<Route, number> {
  const { logits } = score(model, question);
  return { VECTOR: sigmoid(logits.VECTOR), GRAPH: sigmoid(logits.GRAPH), WEB: sigmoid(logits.WEB) };
}
