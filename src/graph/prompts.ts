import type { ChatMessage } from '../stores/llm.js';
import type { GraphSchema } from '../stores/graph-store.js';

/**
 * Prompts for question -> Cypher. The schema part is built from the live graph (`GraphSchema`),
 * and the few-shot examples are written against the live labels and, where the graph has them,
 * its real entity and relationship types, so the model copies names that exist.
 */

const MAX_LIST = 60;

function list(items: string[]): string {
  if (items.length === 0) return '(none yet)';
  const shown = items.slice(0, MAX_LIST).join(', ');
  return items.length > MAX_LIST ? `${shown}, ... (${items.length - MAX_LIST} more)` : shown;
}

/** A Cypher string literal for a value spliced into an example (examples only, never user input). */
function lit(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function describeSchema(s: GraphSchema): string {
  const E = s.labels.entity;
  const I = s.labels.item;
  const rels = s.relationshipTypes.length
    ? s.relationshipTypes
        .slice(0, MAX_LIST)
        .map((r) => `  (:${E})-[:${r.type}]->(:${E})   from type: ${r.from.join(' | ') || '?'}; to type: ${r.to.join(' | ') || '?'}`)
        .join('\n')
    : '  (none yet)';
  return [
    `Entity nodes: label :${E} (${s.counts.entities} nodes). The kind of entity is the string property \`type\`, not a label.`,
    `  Entity types (values of \`type\`): ${list(s.entityTypes)}`,
    `  Entity properties: ${list(s.entityPropertyKeys)}  (\`aliases\` is a list of strings; \`name\` is the display name)`,
    `Relationships between entities (${s.counts.relationships}), with the entity types seen at each end:`,
    rels,
    '  Every relationship has an `id` property; other relationship properties may exist.',
    `Item nodes: label :${I} (${s.counts.items} nodes): ingested text chunks and images, properties id, modality ('TEXT' or 'IMAGE'), documentId, title, source, text (the chunk text or image caption).`,
    `  (:${I})-[:MENTIONS]->(:${E}) for text, (:${I})-[:DEPICTS]->(:${E}) for images.`,
    `Full-text index on entity name and aliases: CALL db.index.fulltext.queryNodes('${E}_names', 'lucene query') YIELD node, score`,
  ].join('\n');
}

function examples(s: GraphSchema, rowLimit: number): string {
  const E = s.labels.entity;
  const I = s.labels.item;
  const limit = Math.min(25, rowLimit);
  const type = s.entityTypes[0] ?? 'Person';
  const rel = s.relationshipTypes[0]?.type ?? 'RELATED_TO';
  const q = (question: string, cypher: string) => `Question: ${question}\nAnswer: ${JSON.stringify({ cypher })}`;
  return [
    q(`Which entities of type ${type} are there?`, `MATCH (e:${E} {type: ${lit(type)}}) RETURN e.name AS name, e.description AS description ORDER BY name LIMIT ${limit}`),
    q(
      `Who or what is connected to Ada Lovelace by ${rel}?`,
      `MATCH (a:${E})-[r:${rel}]-(b:${E}) WHERE toLower(a.name) = toLower('Ada Lovelace') OR any(x IN a.aliases WHERE toLower(x) = toLower('Ada Lovelace')) RETURN a.name AS entity, type(r) AS relationship, b.name AS other, b.type AS otherType LIMIT ${limit}`,
    ),
    q(
      'Which documents mention Ada Lovelace?',
      `MATCH (i:${I})-[:MENTIONS|DEPICTS]->(e:${E}) WHERE toLower(e.name) CONTAINS toLower('Lovelace') RETURN DISTINCT i.documentId AS documentId, i.title AS title, i.source AS source, i.modality AS modality, i.text AS text LIMIT ${limit}`,
    ),
    q(
      'How many relationships of each type are there?',
      `MATCH (:${E})-[r]->(:${E}) RETURN type(r) AS relationship, count(*) AS count ORDER BY count DESC LIMIT ${limit}`,
    ),
  ].join('\n\n');
}

export function text2CypherSystemPrompt(schema: GraphSchema, rowLimit: number): string {
  return `You translate questions about a knowledge graph into ONE read-only Cypher query for Neo4j 5.

Rules:
- Read only: MATCH, OPTIONAL MATCH, WHERE, WITH, UNWIND, RETURN, ORDER BY, SKIP, LIMIT, CALL { ... } subqueries, aggregation and built-in functions.
- Never write or change anything: no CREATE, MERGE, SET, DELETE, DETACH DELETE, REMOVE, FOREACH, LOAD CSV.
- Do not call procedures other than db.index.fulltext.queryNodes; no apoc.*, no dbms.*, no SHOW, no USE, no :commands.
- Exactly one statement, no semicolons. Write values as literals ('text', 42); do not use $parameters.
- Use only the labels, relationship types and properties listed below. Match names case-insensitively (toLower) and also check aliases.
- If unsure of a relationship's direction, use an undirected pattern -[:TYPE]-.
- Return named columns (AS ...) holding properties, not whole nodes, and always end with LIMIT ${rowLimit} or less.
- Reply with ONLY a JSON object: {"cypher": "<the query>"}. If the graph cannot answer the question, reply {"cypher": null, "reason": "<why>"}.

Graph schema:
${describeSchema(schema)}

Examples:
${examples(schema, rowLimit)}`;
}

export function text2CypherMessages(schema: GraphSchema, question: string, rowLimit: number): ChatMessage[] {
  return [
    { role: 'system', content: text2CypherSystemPrompt(schema, rowLimit) },
    { role: 'user', content: question },
  ];
}

/** What the model hears after a failed attempt (one repair round). */
export function repairPrompt(question: string, problem: { kind: 'unusable' | 'refused' | 'write' | 'error'; message: string }): string {
  const why = {
    unusable: `Your reply could not be used: ${problem.message}`,
    refused: `The query was refused before running: ${problem.message}`,
    write: `The query must be read-only. It was refused: ${problem.message}`,
    error: `The database rejected the query with this error:\n${problem.message}`,
  }[problem.kind];
  return `${why}

Write a corrected read-only query that answers the original question: ${JSON.stringify(question)}
Reply with ONLY a JSON object: {"cypher": "<the query>"}.`;
}
