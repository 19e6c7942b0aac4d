import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ROUTES, type Route, type RouteChoice, type RouteContext, type RouteDecision, type RouteOptions, type Router } from './index.js';

/**
 * The offline router: no network, deterministic, microseconds per question.
 *
 * 1. Appropriateness: a short list of intent+object patterns refuses clearly harmful requests
 *    (weapon/explosive/drug synthesis, malware, self-harm methods, doxxing a private person). Each
 *    pattern needs an action phrase ("how to make", "write a") next to the harmful object, so
 *    "the history of dynamite" or "how does antivirus detect malware" pass.
 * 2. Scoring: one-vs-rest logistic regression (one sigmoid per route, so a question can need several
 *    routes) over binary features: stemmed word unigrams, bigrams, the first word, and hand-written
 *    signal features (`h:*`: time words, news/price/weather, visual media words, "my notes",
 *    relationship/kinship words, "how is X related to Y", two proper names, ...). Weights are trained
 *    by scripts/train-router.ts on data/router/labelled.jsonl and shipped in offline-model.json; the
 *    signal features are regularised less than the words, so they carry the decision for wording the
 *    training set never saw. A few explicit signals ("search the web", "in the graph") add a fixed
 *    boost on top.
 * 3. Context: an unavailable route is never chosen (the next best is, with a warning). When the
 *    graph is empty but the vector store is not, GRAPH ranks after every other usable route and is
 *    not added as a secondary (and vice versa for an empty vector store).
 * 4. Output: primary = highest probability; other routes whose probability passes the model's
 *    threshold are added. Each choice gets a query (per-clause for multi-part questions, with filler
 *    stripped) and a reason naming the signals. Confidence is the route's probability.
 */

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

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

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

// ---------------------------------------------------------------------------------------------
// Appropriateness

interface HarmRule {
  category: string;
  re: RegExp;
  reason: string;
}

const HOW = String.raw`(?:how (?:do|can|could|would|should|might) (?:i|we|you|one|someone)|how to|instructions?|step[- ]by[- ]step|recipe|guide|tutorial|teach me|help me|show me how|ways? to|best way to|easiest way to|explain how to)`;
const MAKE = String.raw`(?:make|build|construct|assemble|create|synthesi[sz]e|produce|manufacture|cook|brew|3d[- ]print|detonate|rig|weaponi[sz]e|obtain|get)`;
const WEAPON = String.raw`(?:(?<!bath |seed |glitter |cherry |photo |calorie |f-)bombs?(?! (?:shelter|squad|disposal|cyclone|calorimeter|threat|sniffing))|explosives?|ieds?|pipe ?bombs?|detonators?|grenades?|napalm|molotov(?: cocktails?)?|thermite|nerve (?:agent|gas)|sarin|ricin|anthrax|mustard gas|chemical weapons?|biological weapons?|bio ?weapons?|dirty bombs?|nuclear (?:weapon|bomb)s?|ghost guns?|untraceable (?:guns?|firearms?)|silencers?|suppressors?|tatp|ammonium nitrate bombs?)`;
const DRUG = String.raw`(?:meth(?:amphetamine)?|fentanyl|heroin|crack cocaine|lsd)`;
const MALWARE = String.raw`(?:ransomware|keyloggers?|malware|(?:computer )?virus(?:es)? (?:that|to)|trojans?|botnets?|rootkits?|spyware|stalkerware|credential stealers?|password stealers?|info ?stealers?|phishing (?:kits?|pages?|sites?|emails?)|ddos (?:tools?|scripts?|attacks?)|zero[- ]day exploits?|exploits? for|worms? that)`;
const PRIVATE_TARGET = String.raw`(?:my (?:ex|ex-\w+|neighbou?r|coworker|co-worker|colleague|classmate|teacher|boss|landlord|tenant|crush|ex(?:-| )?(?:wife|husband|girlfriend|boyfriend))|this (?:girl|guy|woman|man|person|kid|user)|that (?:girl|guy|woman|man|person|kid|user)|a (?:private|random) (?:person|individual|citizen)|someone|somebody|(?:a )?stranger)`;

const HARM_RULES: readonly HarmRule[] = [
  {
    category: 'weapons',
    re: new RegExp(String.raw`\b${HOW}\b[^.?!]{0,60}\b${MAKE}\b[^.?!]{0,40}\b${WEAPON}\b`),
    reason: 'refused: the question asks for instructions to make weapons or explosives',
  },
  {
    category: 'weapons',
    re: new RegExp(String.raw`\b(?:${MAKE}|making|building)\b (?:a |an |some )?(?:homemade |home-made |improvised )?${WEAPON}\b[^.?!]{0,30}\b(?:at home|step by step|instructions|from household)`),
    reason: 'refused: the question asks for instructions to make weapons or explosives',
  },
  {
    category: 'drugs',
    re: new RegExp(String.raw`\b${HOW}\b[^.?!]{0,40}\b(?:make|synthesi[sz]e|cook|produce|manufacture)\b[^.?!]{0,30}\b${DRUG}\b`),
    reason: 'refused: the question asks how to manufacture illegal drugs',
  },
  {
    category: 'malware',
    re: new RegExp(String.raw`\b(?:write|create|code|build|make|develop|generate|give me|program)\b[^.?!]{0,40}\b${MALWARE}`),
    reason: 'refused: the question asks for malware or attack tooling',
  },
  {
    category: 'intrusion',
    re: new RegExp(String.raw`\b(?:hack|break|get) into\b[^.?!]{0,40}\b(?:${PRIVATE_TARGET}|his|her|their|someone's|somebody's|my (?:ex|wife|husband|partner|girlfriend|boyfriend)'?s?)\b|\b(?:steal|crack|phish)\b[^.?!]{0,30}\b(?:passwords?|credentials|credit cards?|bank (?:details|accounts?))\b`),
    reason: "refused: the question asks how to break into someone else's accounts or steal credentials",
  },
  {
    category: 'self-harm',
    re: /\b(?:how (?:do|can|could|should) i|how to|best way to|easiest way to|quickest way to|painless(?:ly)?(?: way)? to|ways? to|methods? (?:to|of|for)|how much [^.?!]{1,30} to)\b[^.?!]{0,40}\b(?:kill myself|end my (?:own )?life|commit suicide|suicide|hurt myself|harm myself|self[- ]harm|cut myself|overdose|die)\b|\b(?:i want to|i'm going to|going to) (?:kill myself|end my life|die)\b/,
    reason:
      'refused: the question asks about ways to harm yourself. If you are thinking about hurting yourself, please reach out to someone you trust or a local crisis line (in the US, call or text 988).',
  },
  {
    category: 'doxxing',
    re: new RegExp(
      String.raw`\b(?:(?:home|house|residential|private|personal|exact) address(?:es)?|where (?:exactly )?(?:does|do) ${PRIVATE_TARGET} live|(?:personal|private|cell|mobile) (?:phone )?number|social security number)\b[^.?!]{0,40}\b${PRIVATE_TARGET}|\b${PRIVATE_TARGET}'?s? (?:home|house|residential|private|personal|exact) address|\b(?:find|get|look ?up|track down|locate|give me|what(?:'s| is))\b[^.?!]{0,30}\b(?:home|house|residential|private) address(?:es)? of\b|\b(?:dox+|doxx)(?:ing)? (?:him|her|them|someone|somebody|my|this|that|a)\b|\b(?:track|stalk|spy on|follow)\b[^.?!]{0,20}\b(?:my (?:ex|wife|husband|girlfriend|boyfriend|partner)|someone|somebody|this (?:girl|guy|woman|man|person))\b[^.?!]{0,20}\b(?:location|phone|without|secretly|where)`,
    ),
    reason: "refused: the question asks for a private person's personal details or location",
  },
];

/** The refusal reason when the question is clearly harmful, else null. */
export function checkAppropriate(question: string): { category: string; reason: string } | null {
  const lower = question.toLowerCase().replace(/[’‘`]/g, "'").replace(/\s+/g, ' ');
  for (const rule of HARM_RULES) if (rule.re.test(lower)) return { category: rule.category, reason: rule.reason };
  return null;
}

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

function queryFor(route: Route, question: string, clausesByRoute: Map<Route, string[]>, multi: boolean): string {
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

// ---------------------------------------------------------------------------------------------
// The router

export interface OfflineRouterOptions {
  model?: OfflineModel;
}

const SIGNAL_BY_ID = new Map(SIGNALS.map((s) => [s.id, s]));
const ROUTE_SIGNALS: Record<Route, string[]> = {
  VECTOR: ['vec_visual', 'vec_looks', 'vec_corpus', 'vec_similar', 'show_me'],
  GRAPH: ['graph_path', 'graph_rel', 'graph_kin', 'graph_struct', 'graph_list', 'who_is'],
  WEB: ['web_explicit', 'web_time', 'web_topic', 'web_year'],
};

/** Low-confidence cut-off: below it the reason says the router is unsure. */
export const UNSURE_BELOW = 0.5;

export class OfflineRouter implements Router {
  readonly model: OfflineModel;

  constructor(opts: OfflineRouterOptions = {}) {
    this.model = opts.model ?? loadOfflineModel();
  }

  async route(question: string, context: RouteContext, opts: RouteOptions = {}): Promise<RouteDecision> {
    return this.decide(question, context, opts);
  }

  /** The synchronous decision (route() wraps it). */
  decide(question: string, context: RouteContext, opts: RouteOptions = {}): RouteDecision {
    const t0 = performance.now();
    const done = (d: Omit<RouteDecision, 'tookMs'>): RouteDecision => ({ ...d, tookMs: performance.now() - t0 });
    const q = question.trim();

    const harm = checkAppropriate(q);
    if (harm) return done({ routes: [], decidedBy: opts.force?.length ? 'FORCED' : 'OFFLINE', refusal: harm.reason, warnings: [] });

    if (opts.force && opts.force.length) return done(this.forced(q, context, opts.force));

    const { logits, features } = score(this.model, q);
    const probs = { VECTOR: sigmoid(logits.VECTOR), GRAPH: sigmoid(logits.GRAPH), WEB: sigmoid(logits.WEB) };
    const warnings: string[] = [];
    const notes = new Map<Route, string[]>();
    const note = (r: Route, s: string) => notes.set(r, [...(notes.get(r) ?? []), s]);

    // Context: a store that is empty while the other has content ranks after every non-empty route.
    const vectorEmpty = context.vector.items === 0;
    const graphEmpty = context.graph.entities === 0;
    const demoted = new Set<Route>();
    if (graphEmpty && !vectorEmpty && context.vector.available) {
      demoted.add('GRAPH');
      note('GRAPH', 'the graph is empty');
    }
    if (vectorEmpty && !graphEmpty && context.graph.available) {
      demoted.add('VECTOR');
      note('VECTOR', 'the vector store is empty');
    }
    const available = (r: Route) => (r === 'WEB' ? context.web.available : r === 'VECTOR' ? context.vector.available : context.graph.available);

    const ranked = [...ROUTES].sort((a, b) => probs[b] - probs[a] || ROUTES.indexOf(a) - ROUTES.indexOf(b));
    const usable = (r: Route) => available(r) && !demoted.has(r);
    let candidates = [...ranked.filter(usable), ...ranked.filter((r) => available(r) && demoted.has(r))];
    for (const r of ranked) {
      if (available(r)) continue;
      if (r === ranked[0] || probs[r] >= this.model.threshold) {
        note(r, 'unavailable');
        warnings.push(
          r === 'WEB'
            ? `the question looks like one for web search (p=${probs.WEB.toFixed(2)}) but no web search provider is configured; answering from the knowledge base instead`
            : `the ${r} route fits (p=${probs[r].toFixed(2)}) but is unavailable; using the next best route`,
        );
      }
    }
    if (candidates.length === 0) {
      // Nothing is available: still name the best route so the caller can say what is missing.
      candidates = ranked.filter((r) => r !== 'WEB' || context.web.available);
      if (candidates.length === 0) candidates = ranked.filter((r) => r !== 'WEB');
      warnings.push('no retrieval route is available right now');
    }

    // The best route is an empty store and nothing else clearly fits: the other store stands in.
    const best = ranked[0]!;
    if (demoted.has(best) && probs[candidates[0]!] < this.model.threshold) {
      const sibling: Route = best === 'GRAPH' ? 'VECTOR' : 'GRAPH';
      if (usable(sibling)) candidates = [sibling, ...candidates.filter((r) => r !== sibling)];
    }
    const primary = candidates[0]!;
    const chosen = [primary, ...candidates.slice(1).filter((r) => probs[r] >= this.model.threshold && (!demoted.has(r) || demoted.has(primary)))];
    const multi = chosen.length > 1;

    // Clause -> route, for per-route queries of multi-part questions.
    const clausesByRoute = new Map<Route, string[]>();
    if (multi) {
      for (const clause of splitClauses(q)) {
        const cl = score(this.model, clause).logits;
        const best = chosen.reduce((a, b) => (cl[b] > cl[a] ? b : a));
        clausesByRoute.set(best, [...(clausesByRoute.get(best) ?? []), clause]);
      }
    }

    const routes: RouteChoice[] = chosen.map((r, i) => {
      const p = probs[r];
      const sigs = ROUTE_SIGNALS[r]
        .filter((id) => features.signals.has(id))
        .map((id) => `${SIGNAL_BY_ID.get(id)!.label} "${features.signals.get(id)}"`);
      const parts = [`p=${p.toFixed(2)}`];
      parts.push(sigs.length ? `signals: ${sigs.join('; ')}` : 'no explicit signal (word model only)');
      const extra = notes.get(r);
      if (extra) parts.push(extra.join('; '));
      if (i === 0 && primary !== best) {
        parts.unshift(`${best} fits best (p=${probs[best].toFixed(2)}) but ${notes.get(best)?.join('; ') ?? 'is not usable'}; ${r} is the next choice`);
      } else if (i === 0 && p < UNSURE_BELOW) {
        const runnerUp = candidates[1];
        parts.unshift(
          runnerUp && probs[runnerUp] > p - 0.15
            ? `uncertain: weak signals, ${r} only slightly ahead of ${runnerUp} (p=${probs[runnerUp].toFixed(2)})`
            : 'uncertain: no strong signal for any route',
        );
      }
      return { route: r, query: queryFor(r, q, clausesByRoute, multi), reason: parts.join('; '), confidence: round(p) };
    });

    return done({ routes, decidedBy: 'OFFLINE', refusal: null, warnings });
  }

  private forced(q: string, context: RouteContext, force: Route[]): Omit<RouteDecision, 'tookMs'> {
    const unique = [...new Set(force)];
    const warnings: string[] = [];
    if (unique.includes('WEB') && !context.web.available) warnings.push('WEB was forced but no web search provider is configured; it will return nothing');
    if (unique.includes('VECTOR') && !context.vector.available) warnings.push('VECTOR was forced but the vector store is unavailable');
    if (unique.includes('GRAPH') && !context.graph.available) warnings.push('GRAPH was forced but the graph store is unavailable');
    const routes = unique.map((r) => ({
      route: r,
      query: queryFor(r, q, new Map(), false),
      reason: 'forced by the caller',
      confidence: 1,
    }));
    return { routes, decidedBy: 'FORCED', refusal: null, warnings };
  }
}

function round(p: number): number {
  return Math.round(p * 1000) / 1000;
}
