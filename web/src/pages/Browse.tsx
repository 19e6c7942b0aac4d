import { useEffect, useState } from 'preact/hooks';
import { request } from '../api';
import { ErrorBox, link } from '../components/common';
import type { ItemsQuery as ItemsResult, Modality } from '../gql/graphql';
import { ItemsQuery } from '../operations';
import { ImageHit, parseMetadata } from './Search';

const PAGE = 24;

export function BrowsePage() {
  const [modality, setModality] = useState<Modality | ''>('');
  const [meta, setMeta] = useState('');
  const [applied, setApplied] = useState({ modality: '' as Modality | '', meta: '' });
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<ItemsResult['items'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const after = cursors[cursors.length - 1] ?? null;

  useEffect(() => {
    const filter = { ...(applied.modality ? { modality: applied.modality } : {}), ...(applied.meta.trim() ? { metadata: parseMetadata(applied.meta) } : {}) };
    request(ItemsQuery, { filter, first: PAGE, after }).then(
      (r) => {
        setPage(r.items);
        setError(null);
      },
      (e: unknown) => setError(e),
    );
  }, [applied, after]);

  return (
    <div>
      <form
        class="searchbar"
        onSubmit={(e) => {
          e.preventDefault();
          setCursors([null]);
          setApplied({ modality, meta });
        }}
      >
        <select value={modality} onChange={(e) => setModality(e.currentTarget.value as Modality | '')} aria-label="modality">
          <option value="">all items</option>
          <option value="IMAGE">images</option>
          <option value="TEXT">text chunks</option>
        </select>
        <input class="meta" placeholder="metadata: key=value, …" value={meta} onInput={(e) => setMeta(e.currentTarget.value)} />
        <button type="submit">Filter</button>
      </form>
      <ErrorBox error={error} />
      {page && (
        <>
          <p class="muted" data-testid="browse-count">
            {page.totalCount} items · page {cursors.length}
          </p>
          <div class="grid">
            {page.edges
              .filter((e) => e.node.modality === 'IMAGE')
              .map((e) => (
                <ImageHit key={e.node.id} item={e.node} />
              ))}
          </div>
          <ul class="texthits">
            {page.edges
              .filter((e) => e.node.modality === 'TEXT')
              .map((e) => (
                <li key={e.node.id}>
                  <a href={link(`/item/${e.node.id}`)}>{e.node.title || e.node.source || e.node.id}</a>
                  <p>{(e.node.text ?? '').slice(0, 240)}</p>
                </li>
              ))}
          </ul>
          <div class="pager">
            <button disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
              ← previous
            </button>
            <button disabled={!page.pageInfo.hasNextPage} onClick={() => setCursors((c) => [...c, page.pageInfo.endCursor ?? null])}>
              next →
            </button>
          </div>
        </>
      )}
    </div>
  );
}
