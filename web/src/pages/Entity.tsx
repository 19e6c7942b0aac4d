import { useEffect, useState } from 'preact/hooks';
import { request } from '../api';
import { GraphView } from '../components/GraphView';
import { ErrorBox, Json, link } from '../components/common';
import type { EntitiesQuery as EntitiesResult, EntityQuery as EntityResult, EntitySearchQuery as EntitySearchResult } from '../gql/graphql';
import { EntitiesQuery, EntityQuery, EntitySearchQuery } from '../operations';
import { ImageHit } from './Search';

export function EntityPage({ id }: { id: string }) {
  const [entity, setEntity] = useState<EntityResult['entity'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setEntity(null);
    setError(null);
    request(EntityQuery, { id }).then((r) => setEntity(r.entity), setError);
  }, [id]);
  if (error) return <ErrorBox error={error} />;
  if (!entity) return <p class="muted">loading…</p>;
  const nb = entity.neighbourhood;
  const nodes = nb.entities.some((e) => e.id === entity.id) ? nb.entities : [{ id: entity.id, name: entity.name, type: entity.type }, ...nb.entities];
  return (
    <div data-testid="entity-page">
      <h2>
        {entity.name} <span class="pill">{entity.type}</span>
      </h2>
      {entity.description && <p>{entity.description}</p>}
      {entity.aliases.length > 0 && <p class="muted">also: {entity.aliases.join(', ')}</p>}
      <div class="card">
        <b>Neighbourhood</b> <span class="muted">(2 hops{nb.truncated ? ', cut at 100' : ''}; click a node)</span>
        <GraphView nodes={nodes} edges={nb.relationships} centre={entity.id} onOpen={(to) => (location.hash = link(`/entity/${encodeURIComponent(to)}`))} />
      </div>
      <h3>Properties</h3>
      <Json value={entity.properties} />
      <h3>Items</h3>
      <div class="grid">
        {entity.items
          .filter((i) => i.modality === 'IMAGE')
          .map((i) => (
            <ImageHit key={i.id} item={i} />
          ))}
      </div>
      <ul class="texthits">
        {entity.items
          .filter((i) => i.modality === 'TEXT')
          .map((i) => (
            <li key={i.id}>
              <a href={link(`/item/${i.id}`)}>{i.title || i.id}</a>
              <p>{i.text}</p>
            </li>
          ))}
      </ul>
    </div>
  );
}

export function EntitiesPage() {
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<EntitySearchResult['searchEntities'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [type, setType] = useState('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<EntitiesResult['entities'] | null>(null);
  const after = cursors[cursors.length - 1] ?? null;
  useEffect(() => {
    request(EntitiesQuery, { type: type || null, after }).then((r) => setPage(r.entities), setError);
  }, [type, after]);
  return (
    <div>
      <form
        class="searchbar"
        onSubmit={(e) => {
          e.preventDefault();
          request(EntitySearchQuery, { query: q }).then((r) => {
            setHits(r.searchEntities);
            setError(null);
          }, setError);
        }}
      >
        <input placeholder="Find an entity by name…" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <button type="submit">Find</button>
      </form>
      <ErrorBox error={error} />
      {!hits && page && (
        <div class="card" data-testid="entity-list">
          <input
            placeholder="type, e.g. Person"
            value={type}
            onChange={(e) => {
              setCursors([null]);
              setType(e.currentTarget.value.trim());
            }}
          />
          <p class="muted">{page.totalCount} entities</p>
          {page.edges.map((e) => (
            <a key={e.node.id} class="chip" href={link(`/entity/${encodeURIComponent(e.node.id)}`)}>
              {e.node.name} <span class="muted">{e.node.type}</span>
            </a>
          ))}
          <div class="pager">
            <button disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
              ← previous
            </button>
            <button disabled={!page.pageInfo.hasNextPage} onClick={() => setCursors((c) => [...c, page.pageInfo.endCursor ?? null])}>
              next →
            </button>
          </div>
        </div>
      )}
      <ul class="texthits">
        {hits?.map((h) => (
          <li key={h.entity.id}>
            <a href={link(`/entity/${encodeURIComponent(h.entity.id)}`)}>{h.entity.name}</a> <span class="pill">{h.entity.type}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
