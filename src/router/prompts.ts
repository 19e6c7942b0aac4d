import type { ChatMessage } from '../stores/llm.js';
import type { RouteContext } from './index.js';

const MAX_TYPES = 40;

function list(items: string[]): string {
  if (items.length === 0) return '(none yet)';
  const shown = items.slice(0, MAX_TYPES).join(', ');
  return items.length > MAX_TYPES ? `${shown}, ... (${items.length - MAX_TYPES} more)` : shown;
}

/** What each route holds right now, in words for the model. */
export function describeContext(ctx: RouteContext): string {
  const vector = ctx.vector.available
    ? `available, ${ctx.vector.items} items${ctx.vector.items === 0 ? ' (EMPTY: prefer other routes)' : ''}`
    : 'NOT AVAILABLE: never choose VECTOR';
  const graph = ctx.graph.available
    ? `available, ${ctx.graph.entities} entities and ${ctx.graph.relationships} relationships${ctx.graph.entities === 0 ? ' (EMPTY: prefer other routes)' : ''}; entity types: ${list(ctx.graph.entityTypes)}; relationship types: ${list(ctx.graph.relationshipTypes)}`
    : 'NOT AVAILABLE: never choose GRAPH';
  const web = ctx.web.available ? `available (provider: ${ctx.web.provider ?? 'configured'})` : 'NOT CONFIGURED: never choose WEB';
  return [`VECTOR: ${vector}`, `GRAPH: ${graph}`, `WEB: ${web}`].join('\n');
}

export function routerSystemPrompt(ctx: RouteContext): string {
  return `You route questions for a knowledge service to retrieval routes. You do not answer the question.

Routes:
- VECTOR: CLIP embeddings of the user's own ingested text chunks and images (Milvus). Good for "find/show pictures of ...", visual descriptions ("something that looks like ..."), "documents/notes about X", semantic similarity over the user's content.
- GRAPH: entities and relationships (Neo4j). Good for who/what is related to whom, relationships and paths between named entities, properties of named entities, counting or listing entities of a type.
- WEB: a web search provider. Good for current events, news, prices, weather, scores, recent releases, anything time-sensitive or outside the user's knowledge base.

Right now:
${describeContext(ctx)}

Rules:
- Choose one or more routes, best first. Add a second or third route only when the question clearly has a part for it (e.g. "show photos of X and tell me who X married" -> VECTOR and GRAPH).
- Never choose a route that is marked NOT AVAILABLE or NOT CONFIGURED.
- "query" is what to send to that route: for WEB a concise search query without filler; for VECTOR a short description of the content or picture; for GRAPH keep the entity names exactly.
- "reason" is one short sentence; "confidence" is a number from 0 to 1.
- If the question is clearly harmful (instructions for weapons or explosives, malware, self-harm methods, finding a private person's home address or personal data), set "refuse" to a short reason and "routes" to []. Questions about history, news or how things work are fine.
- Reply with JSON only, exactly this shape:
{"routes": [{"route": "VECTOR" | "GRAPH" | "WEB", "query": "...", "reason": "...", "confidence": 0.0}], "refuse": null}`;
}

export function routerMessages(question: string, ctx: RouteContext): ChatMessage[] {
  return [
    { role: 'system', content: routerSystemPrompt(ctx) },
    { role: 'user', content: `Question: ${question}` },
  ];
}

/** Sent with the retry after an unusable reply. */
export function routerRepairMessage(problem: string): ChatMessage {
  return { role: 'user', content: `Your previous reply was not usable: ${problem}. Reply again with JSON only, in the exact shape described.` };
}
