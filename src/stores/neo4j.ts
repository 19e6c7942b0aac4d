import neo4j, { type Driver, type ManagedTransaction, type Node as NeoNode, type Path as NeoPath, type Relationship as NeoRel, type SessionMode } from 'neo4j-driver';
import type { Config } from '../config.js';
import { checkCypherStatically } from './cypher-guard.js';
import type { JsonObject, ServiceHealth } from '../domain.js';
import { withDeadline } from '../deadline.js';
import { BadInputError, ForbiddenError, NotFoundError, TimeoutError, UnavailableError, errorMessage } from '../errors.js';
import {
  LABEL,
  LINK_TYPES,
  RELATIONSHIP_TYPE,
  relationshipId,
  type Entity,
  type EntityHit,
  type EntityInput,
  type GraphItemWrite,
  type GraphWriteInfo,
  type GraphPath,
  type GraphSchema,
  type GraphStore,
  type ItemLink,
  type ItemNode,
  type NeighbourhoodQuery,
  type PendingIntent,
  type ReadOnlyResult,
  type Relationship,
  type RelationshipInput,
  type Subgraph,
  type WriteIntent,
} from './graph-store.js';
import { modalityOfId, plain, toEntity, toItemNode, toPath, toRelationship } from './neo4j-rows.js';
import { Neo4jSessions, mapNeo4jError, txMetadata } from './neo4j-session.js';

type Neo4jConfig = Config['neo4j'];

const SCHEMA_TTL_MS = 10_000;
/** A health probe waits this long for a warm-up under way (the probe itself is bounded at 3 s). */
const WARM_WAIT_MS = 2_000;
/** An id no entity or item has (ids are validated: no NUL): the warm-up's queries match nothing. */
const NO_ID = '\u0000warm-up';

export interface GraphLabels {
  entity: string;
  item: string;
}

/**
 * The GraphStore on Neo4j: the Cypher of every operation. With ./neo4j-session.ts (sessions,
 * transactions tagged with metadata, driver errors mapped to our taxonomy) and ./neo4j-rows.ts
 * (driver values -> domain objects), the only code that touches neo4j-driver. Every value goes in as
 * a parameter; only validated labels and relationship types are written into query text.
 *
 * Labels are configurable so that each integration test works under labels of its own.
 *
 * Over 350 lines because it is one thing: the Cypher of every GraphStore operation, each next to
 * the others it must stay consistent with (labels, link types, the schema cache).
 */
export class Neo4jGraphStore implements GraphStore {
  private readonly E: string;
  private readonly I: string;
  private readonly fulltextIndex: string;
  private readonly db: Neo4jSessions;
  /** Write intents and writer heartbeats (ingest/recovery.ts), under labels derived from the item label. */
  private readonly J: string;
  private readonly H: string;

  constructor(
    driver: Driver,
    private readonly cfg: Neo4jConfig,
    labels: GraphLabels = { entity: 'Entity', item: 'Item' },
  ) {
    for (const l of [labels.entity, labels.item]) if (!LABEL.test(l)) throw new Error(`invalid label ${l}`);
    this.db = new Neo4jSessions(driver, cfg.database || undefined, () => {
      this.schemaCache = undefined;
    });
    this.E = labels.entity;
    this.I = labels.item;
    this.fulltextIndex = `${labels.entity}_names`;
    this.J = `${labels.item}WriteIntent`;
    this.H = `${labels.item}Writer`;
  }

  static connect(cfg: Neo4jConfig, labels?: GraphLabels): Neo4jGraphStore {
    const driver = neo4j.driver(cfg.uri, neo4j.auth.basic(cfg.user, cfg.password), {
      connectionAcquisitionTimeout: 10_000,
      connectionTimeout: 5_000,
      maxConnectionPoolSize: 50,
      disableLosslessIntegers: true,
      // A down server should surface quickly (routes have budgets); the default retries for 30 s.
      maxTransactionRetryTime: 3_000,
    });
    return new Neo4jGraphStore(driver, cfg, labels);
  }

  private initialized: Promise<void> | undefined;

  /** Creates the schema once; operations that need it wait for it (and retry after a failure). */
  init(): Promise<void> {
    this.initialized ??= this.createSchema().catch((err: unknown) => {
      this.initialized = undefined;
      throw err;
    });
    return this.initialized;
  }

  private async createSchema(): Promise<void> {
    const { E, I } = this;
    await this.run('init schema', 'WRITE', async (tx) => {
      await tx.run(`CREATE CONSTRAINT ${E}_id IF NOT EXISTS FOR (e:${E}) REQUIRE e.id IS UNIQUE`);
      await tx.run(`CREATE CONSTRAINT ${I}_id IF NOT EXISTS FOR (i:${I}) REQUIRE i.id IS UNIQUE`);
    });
    await this.run('init indexes', 'WRITE', async (tx) => {
      await tx.run(`CREATE FULLTEXT INDEX ${this.fulltextIndex} IF NOT EXISTS FOR (e:${E}) ON EACH [e.name, e.aliasText]`);
      await tx.run(`CREATE INDEX ${E}_type IF NOT EXISTS FOR (e:${E}) ON (e.type)`);
      await tx.run(`CREATE INDEX ${I}_document IF NOT EXISTS FOR (i:${I}) ON (i.documentId)`);
    });
    await this.run('await indexes', 'READ', (tx) => tx.run('CALL db.awaitIndexes(120)'));
  }

  async health(): Promise<ServiceHealth> {
    const started = performance.now();
    const target = this.cfg.uri;
    const report = (ok: boolean, error: string | null, warming = false): ServiceHealth => ({
      name: 'neo4j',
      ok,
      target,
      latencyMs: performance.now() - started,
      error,
      ...(warming ? { warming } : {}),
    });
    try {
      await this.db.once('health', 'RETURN 1 AS ok', 5_000);
    } catch (err) {
      this.warm = undefined; // it may come back restarted, with an empty plan cache
      return report(false, errorMessage(err));
    }
    // Reachable, but a question would still pay for connecting and planning: ready once warm.
    if (this.warm?.done) return report(true, null);
    const warming = this.warmUp().then(
      () => null,
      (err: unknown) => `warm-up failed: ${errorMessage(err)}`,
    );
    const failure = await withDeadline(warming, WARM_WAIT_MS, () => undefined);
    if (failure === undefined) return report(false, 'warming up: preparing the queries of the graph route', true);
    return report(failure === null, failure);
  }

  /** The warm-up of the server we talk to; cleared when it is seen unreachable (it may come back with an empty plan cache). */
  private warm: { done: boolean; promise: Promise<void> } | undefined;

  warmUp(): Promise<void> {
    if (!this.warm) {
      const state = { done: false, promise: Promise.resolve() };
      state.promise = this.prepareReads().then(
        () => {
          state.done = true;
        },
        (err: unknown) => {
          if (this.warm === state) this.warm = undefined;
          throw err;
        },
      );
      this.warm = state;
    }
    return this.warm.promise;
  }

  /**
   * Every read a question makes (the graph route: full-text linking, the neighbourhood levels, the
   * items of entities; the router's schema summary), once, on ids that match nothing. Neo4j plans a
   * query the first time it sees its text: on a freshly started server that cost 0.7-1.3 s for the
   * graph route (measured, against ~0.1 s warm), and the route's budget is 3 s. Side by side, they
   * also open the connections the route then uses at once.
   */
  private async prepareReads(): Promise<void> {
    await this.init();
    const none = [NO_ID];
    await Promise.all([
      this.searchEntities('warm up', { limit: 25, fuzzy: true }),
      this.run('warm up', 'READ', async (tx) => {
        await this.getEntitiesTx(tx, none);
        await this.neighbourLevel(tx, none, {}, 1);
      }),
      this.itemsOf(none, 20),
      this.loadSchema(),
    ]);
  }

  async upsertEntities(entities: (EntityInput & { id: string })[]): Promise<Entity[]> {
    if (entities.length === 0) return [];
    await this.init();
    const now = Date.now();
    const rows = entities.map((e) => ({
      id: e.id,
      createdAt: e.timestamps?.createdAt.getTime() ?? now,
      updatedAt: e.timestamps?.updatedAt.getTime() ?? now,
      all: {
        ...(e.properties ?? {}),
        id: e.id,
        name: e.name,
        type: e.type,
        aliases: e.aliases ?? [],
        aliasText: (e.aliases ?? []).join(' | '),
        description: e.description ?? '',
      },
    }));
    const res = await this.run('upsert entities', 'WRITE', (tx) =>
      tx.run(
        `UNWIND $rows AS row
         MERGE (e:${this.E} {id: row.id})
         WITH e, row, coalesce(e.createdAt, row.createdAt) AS created
         SET e = row.all
         SET e.createdAt = created, e.updatedAt = row.updatedAt
         RETURN e`,
        { rows },
      ),
    );
    return res.records.map((r) => toEntity(r.get('e') as NeoNode));
  }

  async upsertRelationships(rels: RelationshipInput[]): Promise<Relationship[]> {
    if (rels.length === 0) return [];
    for (const [i, r] of rels.entries()) {
      if (!RELATIONSHIP_TYPE.test(r.type)) {
        throw new BadInputError(
          `relationships[${i}].type "${r.type}" is not a valid relationship type: use upper case letters, digits and _ (e.g. SPOUSE_OF), starting with a letter`,
          `relationships[${i}].type`,
        );
      }
    }
    const byType = new Map<string, { id: string; from: string; to: string; props: JsonObject }[]>();
    for (const r of rels) {
      const list = byType.get(r.type) ?? [];
      list.push({ id: relationshipId(r.from, r.type, r.to), from: r.from, to: r.to, props: r.properties ?? {} });
      byType.set(r.type, list);
    }
    const endpoints = [...new Set(rels.flatMap((r) => [r.from, r.to]))];
    await this.init();
    return this.run('upsert relationships', 'WRITE', async (tx) => {
      await this.requireEntities(tx, endpoints);
      const out: Relationship[] = [];
      for (const [type, rows] of byType) {
        const res = await tx.run(
          `UNWIND $rows AS row
           MATCH (a:${this.E} {id: row.from}), (b:${this.E} {id: row.to})
           MERGE (a)-[r:${type}]->(b)
           SET r = row.props, r.id = row.id
           RETURN r, a.id AS from, b.id AS to`,
          { rows },
        );
        out.push(...res.records.map((rec) => toRelationship(rec.get('r') as NeoRel, rec.get('from') as string, rec.get('to') as string)));
      }
      return out;
    });
  }

  private async requireEntities(tx: ManagedTransaction, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const res = await tx.run(`UNWIND $ids AS id OPTIONAL MATCH (e:${this.E} {id: id}) WITH id, e WHERE e IS NULL RETURN collect(id) AS missing`, {
      ids,
    });
    const missing = res.records[0]?.get('missing') as string[] | undefined;
    if (missing?.length) throw new NotFoundError(`no entity with id ${missing.map((m) => `"${m}"`).join(', ')}`, { ids: missing });
  }

  async deleteEntity(id: string): Promise<{ deleted: boolean; relationships: number }> {
    const res = await this.run('delete entity', 'WRITE', (tx) =>
      tx.run(
        `MATCH (e:${this.E} {id: $id})
         OPTIONAL MATCH (e)-[r]-()
         WITH e, count(r) AS n
         DETACH DELETE e
         RETURN n`,
        { id },
      ),
    );
    const rec = res.records[0];
    return rec ? { deleted: true, relationships: Number(rec.get('n')) } : { deleted: false, relationships: 0 };
  }

  async getEntities(ids: string[]): Promise<Entity[]> {
    if (ids.length === 0) return [];
    const res = await this.run('get entities', 'READ', (tx) => tx.run(`MATCH (e:${this.E}) WHERE e.id IN $ids RETURN e`, { ids }));
    const byId = new Map(res.records.map((r) => toEntity(r.get('e') as NeoNode)).map((e) => [e.id, e]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async searchEntities(text: string, opts: { limit: number; fuzzy: boolean; types?: string[] }): Promise<EntityHit[]> {
    const query = luceneQuery(text, opts.fuzzy);
    if (!query) return [];
    await this.init();
    const res = await this.run('search entities', 'READ', (tx) =>
      tx.run(
        `CALL db.index.fulltext.queryNodes($index, $query, {limit: $fetch}) YIELD node, score
         WHERE $types IS NULL OR node.type IN $types
         RETURN node, score LIMIT $limit`,
        { index: this.fulltextIndex, query, fetch: neo4j.int(opts.types ? opts.limit * 5 : opts.limit), limit: neo4j.int(opts.limit), types: opts.types ?? null },
      ),
    );
    return res.records.map((r) => ({ entity: toEntity(r.get('node') as NeoNode), score: Number(r.get('score')) }));
  }

  /**
   * Breadth-first, one query per level, so the work is bounded by the size cap rather than by the
   * number of paths (a variable-length pattern enumerates paths and explodes on dense graphs).
   */
  async neighbourhood(id: string | string[], q: NeighbourhoodQuery): Promise<Subgraph> {
    for (const t of q.relationshipTypes ?? []) {
      if (!RELATIONSHIP_TYPE.test(t)) throw new BadInputError(`"${t}" is not a valid relationship type`, 'relationshipTypes');
    }
    const ids = [...new Set(Array.isArray(id) ? id : [id])];
    return this.run('neighbourhood', 'READ', async (tx) => {
      const found = await this.getEntitiesTx(tx, ids);
      const missing = ids.filter((i) => !found.some((e) => e.id === i));
      if (missing.length) throw new NotFoundError(`no entity with id ${missing.map((m) => `"${m}"`).join(', ')}`, { ids: missing });
      const entities = new Map<string, Entity>(found.map((e) => [e.id, e]));
      const rels = new Map<string, Relationship>();
      let frontier = ids;
      let truncated = false;
      for (let level = 0; level < q.depth && frontier.length > 0 && !truncated; level++) {
        const res = await this.neighbourLevel(tx, frontier, q, q.limit - rels.size + 1);
        const next: string[] = [];
        for (const rec of res.records) {
          const rel = toRelationship(rec.get('r') as NeoRel, rec.get('from') as string, rec.get('to') as string);
          if (rels.has(rel.id)) continue;
          if (rels.size >= q.limit) {
            truncated = true;
            break;
          }
          rels.set(rel.id, rel);
          const b = toEntity(rec.get('b') as NeoNode);
          if (!entities.has(b.id)) {
            entities.set(b.id, b);
            next.push(b.id);
          }
        }
        frontier = next;
      }
      return { entities: [...entities.values()], relationships: [...rels.values()], truncated };
    });
  }

  async shortestPaths(from: string, to: string, opts: { maxLength: number; limit: number; relationshipTypes?: string[] }): Promise<GraphPath[]> {
    for (const t of opts.relationshipTypes ?? []) {
      if (!RELATIONSHIP_TYPE.test(t)) throw new BadInputError(`"${t}" is not a valid relationship type`, 'relationshipTypes');
    }
    const maxLength = Math.trunc(opts.maxLength); // validated by the caller; spliced as a literal
    return this.run('shortest paths', 'READ', async (tx) => {
      const found = await tx.run(`UNWIND $ids AS id OPTIONAL MATCH (e:${this.E} {id: id}) RETURN id, e IS NOT NULL AS ok`, { ids: [from, to] });
      const missing = found.records.filter((r) => !r.get('ok')).map((r) => r.get('id') as string);
      if (missing.length) throw new NotFoundError(`no entity with id ${missing.map((m) => `"${m}"`).join(', ')}`, { ids: missing });
      if (from === to) {
        const [e] = await this.getEntitiesTx(tx, [from]);
        return [{ entities: [e!], relationships: [] }];
      }
      const types = opts.relationshipTypes?.length ? `:${opts.relationshipTypes.join('|')}` : '';
      const res = await tx.run(
        `MATCH (a:${this.E} {id: $from}), (b:${this.E} {id: $to})
         MATCH p = allShortestPaths((a)-[${types}*..${maxLength}]-(b))
         WHERE all(n IN nodes(p) WHERE n:${this.E})
         RETURN p LIMIT $limit`,
        { from, to, limit: neo4j.int(opts.limit) },
      );
      return res.records.map((r) => toPath(r.get('p') as NeoPath));
    });
  }

  /** One level of the breadth-first expansion: the relationships of the frontier and who is at their other end. */
  private neighbourLevel(tx: ManagedTransaction, frontier: string[], q: Pick<NeighbourhoodQuery, 'relationshipTypes' | 'entityTypes'>, cap: number) {
    return tx.run(
      `MATCH (a:${this.E})-[r]-(b:${this.E})
       WHERE a.id IN $frontier
         AND ($relTypes IS NULL OR type(r) IN $relTypes)
         AND ($types IS NULL OR b.type IN $types)
       RETURN DISTINCT r, startNode(r).id AS from, endNode(r).id AS to, b
       LIMIT $cap`,
      { frontier, relTypes: q.relationshipTypes ?? null, types: q.entityTypes ?? null, cap: neo4j.int(cap) },
    );
  }

  private async getEntitiesTx(tx: ManagedTransaction, ids: string[]): Promise<Entity[]> {
    const res = await tx.run(`MATCH (e:${this.E}) WHERE e.id IN $ids RETURN e`, { ids });
    return res.records.map((r) => toEntity(r.get('e') as NeoNode));
  }

  async itemsOf(entityIds: string[], limit: number): Promise<(ItemNode & { entityId: string; link: string })[]> {
    if (entityIds.length === 0) return [];
    const res = await this.run('items of entities', 'READ', (tx) =>
      tx.run(
        `MATCH (i:${this.I})-[l:MENTIONS|DEPICTS]->(e:${this.E})
         WHERE e.id IN $ids
         RETURN i, e.id AS entityId, type(l) AS link
         ORDER BY i.id LIMIT $limit`,
        { ids: entityIds, limit: neo4j.int(limit) },
      ),
    );
    return res.records.map((r) => ({ ...toItemNode(r.get('i') as NeoNode), entityId: r.get('entityId') as string, link: r.get('link') as string }));
  }

  async listEntities(opts: { type?: string; after?: string; limit: number }): Promise<Entity[]> {
    const res = await this.run('list entities', 'READ', (tx) =>
      tx.run(
        `MATCH (e:${this.E}) WHERE ($type IS NULL OR e.type = $type) AND ($after IS NULL OR e.id > $after)
         RETURN e ORDER BY e.id LIMIT $limit`,
        { type: opts.type ?? null, after: opts.after ?? null, limit: neo4j.int(opts.limit) },
      ),
    );
    return res.records.map((r) => toEntity(r.get('e') as NeoNode));
  }

  async countEntities(type?: string): Promise<number> {
    const res = await this.run('count entities', 'READ', (tx) =>
      tx.run(`MATCH (e:${this.E}) WHERE $type IS NULL OR e.type = $type RETURN count(e) AS n`, { type: type ?? null }),
    );
    return Number(res.records[0]?.get('n') ?? 0);
  }

  async listRelationships(opts: { type?: string; after?: string; limit: number }): Promise<Relationship[]> {
    const res = await this.run('list relationships', 'READ', (tx) =>
      tx.run(
        `MATCH (a:${this.E})-[r]->(b:${this.E}) WHERE ($type IS NULL OR type(r) = $type) AND ($after IS NULL OR r.id > $after)
         RETURN r, a.id AS from, b.id AS to ORDER BY r.id LIMIT $limit`,
        { type: opts.type ?? null, after: opts.after ?? null, limit: neo4j.int(opts.limit) },
      ),
    );
    return res.records.map((rec) => toRelationship(rec.get('r') as NeoRel, rec.get('from') as string, rec.get('to') as string));
  }

  async countRelationships(type?: string): Promise<number> {
    const res = await this.run('count relationships', 'READ', (tx) =>
      tx.run(`MATCH (:${this.E})-[r]->(:${this.E}) WHERE $type IS NULL OR type(r) = $type RETURN count(r) AS n`, { type: type ?? null }),
    );
    return Number(res.records[0]?.get('n') ?? 0);
  }

  async deleteRelationship(id: string): Promise<boolean> {
    this.schemaCache = undefined;
    const res = await this.run('delete relationship', 'WRITE', (tx) =>
      tx.run(`MATCH (:${this.E})-[r {id: $id}]->(:${this.E}) DELETE r RETURN count(*) AS n`, { id }),
    );
    return Number(res.records[0]?.get('n') ?? 0) > 0;
  }

  async entitiesOfItems(itemIds: string[]): Promise<Entity[]> {
    if (itemIds.length === 0) return [];
    const res = await this.run('entities of items', 'READ', (tx) =>
      tx.run(`MATCH (i:${this.I})-[:MENTIONS|DEPICTS]->(e:${this.E}) WHERE i.id IN $ids RETURN DISTINCT e ORDER BY e.name`, { ids: itemIds }),
    );
    return res.records.map((r) => toEntity(r.get('e') as NeoNode));
  }

  async linksOfItems(itemIds: string[]): Promise<ItemLink[]> {
    if (itemIds.length === 0) return [];
    const res = await this.run('links of items', 'READ', (tx) =>
      tx.run(`MATCH (i:${this.I})-[:MENTIONS|DEPICTS]->(e:${this.E}) WHERE i.id IN $ids RETURN i.id AS itemId, e.id AS entityId ORDER BY itemId, entityId`, { ids: itemIds }),
    );
    return res.records.map((r) => ({ itemId: r.get('itemId') as string, entityId: r.get('entityId') as string }));
  }

  async listItems(ids: string[]): Promise<ItemNode[]> {
    if (ids.length === 0) return [];
    const res = await this.run('list items', 'READ', (tx) => tx.run(`MATCH (i:${this.I}) WHERE i.id IN $ids RETURN i ORDER BY i.id`, { ids }));
    return res.records.map((r) => toItemNode(r.get('i') as NeoNode));
  }

  async writeItems(write: GraphItemWrite, alongside: (info: GraphWriteInfo) => Promise<void>): Promise<void> {
    await this.init();
    this.schemaCache = undefined;
    const session = this.db.session('WRITE');
    const tx = session.beginTransaction({ timeout: 60_000, metadata: txMetadata('write items') });
    let committed = false;
    try {
      if (write.remove.length) {
        await tx.run(`MATCH (i:${this.I}) WHERE i.id IN $ids DETACH DELETE i`, { ids: write.remove });
      }
      const existing = new Map<string, Date>();
      if (write.upsert.length) {
        // The graph remembers each item's first ingest time, so the vector-store write needs no lookup.
        const res = await tx.run(
          `UNWIND $items AS it
           MERGE (i:${this.I} {id: it.id})
           WITH i, it, i.createdAt AS before
           SET i.modality = it.modality, i.documentId = it.documentId, i.title = it.title, i.source = it.source, i.text = coalesce(it.text, i.text, ''),
               i.createdAt = coalesce(before, it.createdAt)
           RETURN it.id AS id, before`,
          { items: write.upsert.map((i) => ({ ...i, createdAt: (i.createdAt ?? new Date()).getTime() })) },
        );
        for (const r of res.records) if (r.get('before') !== null) existing.set(r.get('id') as string, new Date(Number(r.get('before'))));
      }
      const stale: string[] = [];
      const docs = (write.documents ?? []).filter((d) => d.keep.some((id) => existing.has(id)));
      if (docs.length) {
        const res = await tx.run(
          `UNWIND $docs AS d
           MATCH (i:${this.I} {documentId: d.documentId})
           WHERE NOT i.id IN d.keep
           WITH i, i.id AS id
           DETACH DELETE i
           RETURN id`,
          { docs },
        );
        stale.push(...res.records.map((r) => r.get('id') as string));
      }
      if (write.links.length) {
        const ids = [...new Set(write.links.map((l) => l.entityId))];
        const res = await tx.run(`UNWIND $ids AS id OPTIONAL MATCH (e:${this.E} {id: id}) WITH id, e WHERE e IS NULL RETURN collect(id) AS missing`, { ids });
        const missing = res.records[0]?.get('missing') as string[];
        if (missing.length) throw new NotFoundError(`no entity with id ${missing.map((m) => `"${m}"`).join(', ')}`, { ids: missing });
        const modality = new Map(write.upsert.map((i) => [i.id, i.modality]));
        for (const kind of ['TEXT', 'IMAGE'] as const) {
          const links = write.links.filter((l) => (modality.get(l.itemId) ?? modalityOfId(l.itemId)) === kind);
          if (links.length === 0) continue;
          await tx.run(
            `UNWIND $links AS l
             MATCH (i:${this.I} {id: l.itemId}), (e:${this.E} {id: l.entityId})
             MERGE (i)-[:${LINK_TYPES[kind]}]->(e)`,
            { links },
          );
        }
      }
      await alongside({ existing, stale });
      if (write.intentId) await tx.run(`MATCH (j:${this.J} {id: $id}) DELETE j`, { id: write.intentId });
      await tx.commit();
      committed = true;
    } catch (err) {
      if (!committed) await tx.rollback().catch(() => undefined);
      throw mapNeo4jError('write items', err);
    } finally {
      this.schemaCache = undefined;
      await session.close();
    }
  }

  // ---- write journal (see src/ingest/recovery.ts) ----------------------------------------------

  async beginIntent(intent: WriteIntent): Promise<void> {
    await this.init();
    await this.run('journal begin', 'WRITE', (tx) =>
      tx.run(
        `CREATE (j:${this.J} {id: $id, op: $op, instanceId: $instanceId, incarnation: $incarnation, itemIds: $itemIds, documentIds: $documentIds, links: $links, startedAt: timestamp()})`,
        { ...intent, links: JSON.stringify(intent.links) },
      ),
    );
  }

  async endIntent(id: string): Promise<void> {
    await this.run('journal end', 'WRITE', (tx) => tx.run(`MATCH (j:${this.J} {id: $id}) DELETE j`, { id }));
  }

  async pendingIntents(): Promise<PendingIntent[]> {
    const res = await this.run('journal list', 'READ', (tx) =>
      tx.run(
        `MATCH (j:${this.J})
         OPTIONAL MATCH (h:${this.H} {incarnation: j.incarnation})
         RETURN j, timestamp() - h.seenAt AS seenAgo ORDER BY j.startedAt LIMIT 10000`,
      ),
    );
    return res.records.map((r) => {
      const p = (r.get('j') as NeoNode).properties as Record<string, unknown>;
      const seen = r.get('seenAgo');
      return {
        id: String(p.id),
        op: p.op === 'delete' ? 'delete' : 'ingest',
        instanceId: String(p.instanceId),
        incarnation: String(p.incarnation),
        itemIds: (p.itemIds as string[]) ?? [],
        documentIds: (p.documentIds as string[]) ?? [],
        links: JSON.parse(String(p.links ?? '[]')) as ItemLink[],
        startedAt: Number(p.startedAt),
        ownerSeenMsAgo: seen === null ? null : Number(seen),
      };
    });
  }

  async heartbeat(instanceId: string, incarnation: string): Promise<void> {
    await this.run('journal heartbeat', 'WRITE', (tx) =>
      tx.run(
        `MERGE (h:${this.H} {incarnation: $incarnation}) SET h.instanceId = $instanceId, h.seenAt = timestamp()
         WITH 1 AS one MATCH (old:${this.H}) WHERE old.seenAt < timestamp() - 86400000 DELETE old`,
        { instanceId, incarnation },
      ),
    );
  }

  async itemIdsAfter(after: string, limit: number): Promise<string[]> {
    const res = await this.run('list item ids', 'READ', (tx) =>
      tx.run(`MATCH (i:${this.I}) WHERE i.id > $after RETURN i.id AS id ORDER BY i.id LIMIT $limit`, { after, limit: neo4j.int(limit) }),
    );
    return res.records.map((r) => r.get('id') as string);
  }

  async itemIdsOfDocuments(documentIds: string[]): Promise<string[]> {
    if (documentIds.length === 0) return [];
    const res = await this.run('items of documents', 'READ', (tx) =>
      tx.run(`MATCH (i:${this.I}) WHERE i.documentId IN $documentIds RETURN i.id AS id`, { documentIds }),
    );
    return res.records.map((r) => r.get('id') as string);
  }

  /**
   * The schema summary costs four queries (one counts every relationship); every question routed
   * or turned into Cypher needs it, so it is cached briefly and dropped on this instance's writes.
   */
  private schemaCache: { value: Promise<GraphSchema>; at: number } | undefined;

  schema(): Promise<GraphSchema> {
    const now = Date.now();
    if (this.schemaCache && now - this.schemaCache.at < SCHEMA_TTL_MS) return this.schemaCache.value;
    const value = this.loadSchema();
    this.schemaCache = { value, at: now };
    value.catch(() => {
      if (this.schemaCache?.value === value) this.schemaCache = undefined;
    });
    return value;
  }

  private loadSchema(): Promise<GraphSchema> {
    return this.run('schema', 'READ', async (tx) => {
      const types = await tx.run(`MATCH (e:${this.E}) RETURN DISTINCT e.type AS t ORDER BY t LIMIT 200`);
      const rels = await tx.run(
        `MATCH (a:${this.E})-[r]->(b:${this.E})
         WITH type(r) AS t, collect(DISTINCT a.type)[..10] AS from, collect(DISTINCT b.type)[..10] AS to
         RETURN t, from, to ORDER BY t LIMIT 200`,
      );
      const keys = await tx.run(`MATCH (e:${this.E}) WITH e LIMIT 1000 UNWIND keys(e) AS k RETURN DISTINCT k ORDER BY k LIMIT 200`);
      const counts = await tx.run(
        `CALL () { MATCH (e:${this.E}) RETURN count(e) AS entities }
         CALL () { MATCH (:${this.E})-[r]->(:${this.E}) RETURN count(r) AS relationships }
         CALL () { MATCH (i:${this.I}) RETURN count(i) AS items }
         RETURN entities, relationships, items`,
      );
      const c = counts.records[0]!;
      return {
        labels: { entity: this.E, item: this.I },
        entityTypes: types.records.map((r) => r.get('t') as string).filter(Boolean),
        relationshipTypes: rels.records.map((r) => ({ type: r.get('t') as string, from: r.get('from') as string[], to: r.get('to') as string[] })),
        entityPropertyKeys: keys.records.map((r) => r.get('k') as string).filter((k) => k !== 'aliasText'),
        counts: { entities: Number(c.get('entities')), relationships: Number(c.get('relationships')), items: Number(c.get('items')) },
      };
    });
  }

  async explain(cypher: string, params: JsonObject): Promise<{ ok: true; queryType: string } | { ok: false; error: string }> {
    const session = this.db.session('READ');
    try {
      const res = await session.run(`EXPLAIN ${cypher}`, params, { timeout: 10_000, metadata: txMetadata('explain') });
      return { ok: true, queryType: String(res.summary.queryType) };
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code.startsWith('Neo.ClientError')) return { ok: false, error: `${code}: ${errorMessage(err)}` };
      throw mapNeo4jError('explain', err);
    } finally {
      await session.close();
    }
  }

  async runReadOnly(cypher: string, params: JsonObject, opts: { timeoutMs: number; rowLimit: number }): Promise<ReadOnlyResult> {
    // EXPLAIN calls LOAD CSV, SHOW and TERMINATE read-only: the static guard stops those first.
    const refused = checkCypherStatically(cypher);
    if (refused) throw new ForbiddenError(`the query is not allowed: ${refused}`, { field: 'cypher' });
    const verdict = await this.explain(cypher, params);
    if (!verdict.ok) throw new BadInputError(`the query does not compile: ${verdict.error}`, 'cypher');
    if (verdict.queryType !== 'r') {
      throw new ForbiddenError(`only read-only queries may run here (this one is of type "${verdict.queryType}")`, { field: 'cypher' });
    }
    // READ access mode is the second wall: the server refuses any write in this session.
    const session = this.db.session('READ');
    const rows: JsonObject[] = [];
    let columns: string[] = [];
    let truncated = false;
    try {
      const result = session.run(cypher, params, { timeout: opts.timeoutMs, metadata: txMetadata('read-only cypher') });
      columns = (await result.keys()) as string[];
      // Stream and stop at the limit: the rest of the result is never pulled from the server.
      for await (const rec of result) {
        if (rows.length >= opts.rowLimit) {
          truncated = true;
          break;
        }
        rows.push(Object.fromEntries(columns.map((k) => [k, plain(rec.get(k))])));
      }
      return { columns, rows, truncated };
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code.includes('TransactionTimedOut')) throw new TimeoutError(`the query ran longer than ${opts.timeoutMs} ms`, { service: 'neo4j' });
      if (code === 'Neo.ClientError.Statement.AccessMode') throw new ForbiddenError('the query tried to write in a read-only session', { field: 'cypher' });
      if (code.startsWith('Neo.ClientError')) throw new BadInputError(`the query failed: ${code}: ${errorMessage(err)}`, 'cypher');
      throw mapNeo4jError('read-only cypher', err);
    } finally {
      await session.close();
    }
  }

  async clear(): Promise<void> {
    await this.run('clear', 'WRITE', async (tx) => {
      await tx.run(`MATCH (n:${this.E}) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`).catch(async () => {
        await tx.run(`MATCH (n:${this.E}) DETACH DELETE n`);
      });
    }).catch(async () => {
      await this.run('clear', 'WRITE', (tx) => tx.run(`MATCH (n:${this.E}) DETACH DELETE n`));
    });
    await this.run('clear items', 'WRITE', (tx) => tx.run(`MATCH (n:${this.I}) DETACH DELETE n`));
    await this.run('clear journal', 'WRITE', (tx) => tx.run(`MATCH (n) WHERE n:${this.J} OR n:${this.H} DELETE n`));
  }

  /** Drop this store's constraints and indexes (tests use throw-away labels). */
  async dropSchema(): Promise<void> {
    const { E, I } = this;
    await this.run('drop schema', 'WRITE', async (tx) => {
      await tx.run(`DROP CONSTRAINT ${E}_id IF EXISTS`);
      await tx.run(`DROP CONSTRAINT ${I}_id IF EXISTS`);
      await tx.run(`DROP INDEX ${this.fulltextIndex} IF EXISTS`);
      await tx.run(`DROP INDEX ${E}_type IF EXISTS`);
      await tx.run(`DROP INDEX ${I}_document IF EXISTS`);
    });
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  private async run<T>(operation: string, mode: SessionMode, work: (tx: ManagedTransaction) => Promise<T>, timeoutMs?: number): Promise<T> {
    try {
      return await this.db.run(operation, mode, work, timeoutMs);
    } catch (err) {
      // The database failed us: it may be restarting, with an empty plan cache. Warm up again.
      if (err instanceof UnavailableError) this.warm = undefined;
      throw err;
    }
  }


}

const LUCENE_SPECIAL = /[+\-&|!(){}[\]^"~*?:\\/]/g;

/** A Lucene query for names/aliases: every word escaped; `word~1` when fuzzy; a phrase boost. */
export function luceneQuery(text: string, fuzzy: boolean): string {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}'_.-]+/u)
    .map((w) => w.replace(/^[.'_-]+|[.'_-]+$/g, ''))
    .filter((w) => w.length > 0 && !['and', 'or', 'not', 'to'].includes(w))
    .slice(0, 32);
  if (words.length === 0) return '';
  const esc = (w: string) => w.replace(LUCENE_SPECIAL, (c) => `\\${c}`);
  const terms = words.map((w) => (fuzzy && w.length >= 4 ? `${esc(w)}~1` : esc(w)));
  const phrase = words.length > 1 ? `"${words.map(esc).join(' ')}"^2 ` : '';
  return `${phrase}${terms.join(' ')}`;
}
