import { useEffect, useState } from 'preact/hooks';
import { request } from '../api';
import { ErrorBox, Json, link, MediaImg } from '../components/common';
import type { ItemQuery as ItemResult } from '../gql/graphql';
import { ItemQuery } from '../operations';

export function ItemPage({ id }: { id: string }) {
  const [item, setItem] = useState<ItemResult['item'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setItem(null);
    request(ItemQuery, { id }).then((r) => setItem(r.item), setError);
  }, [id]);
  if (error) return <ErrorBox error={error} />;
  if (!item) return <p class="muted">loading…</p>;
  const { _image, _chunk, ...metadata } = (item.metadata ?? {}) as Record<string, unknown>;
  return (
    <div class="item-page" data-testid="item-page">
      <h2>{item.title || (item.modality === 'IMAGE' ? item.text || 'Image' : `Chunk ${item.chunkIndex ?? ''}`)}</h2>
      {item.image && (
        <figure>
          <MediaImg src={item.image.url} alt={item.text ?? ''} class="full" />
          <figcaption class="muted">
            {item.image.width}×{item.image.height} · {item.image.mime} · {(item.image.bytes / 1024).toFixed(1)} KiB ·{' '}
            <a href={item.image.url} target="_blank" rel="noreferrer">
              original
            </a>
          </figcaption>
        </figure>
      )}
      {item.modality === 'TEXT' && <blockquote>{item.text}</blockquote>}
      <dl>
        <dt>id</dt>
        <dd>
          <code>{item.id}</code>
        </dd>
        {item.modality === 'IMAGE' && (
          <>
            <dt>caption</dt>
            <dd>{item.text || <i class="muted">none</i>}</dd>
          </>
        )}
        {item.source && (
          <>
            <dt>source</dt>
            <dd>{item.source}</dd>
          </>
        )}
        {item.documentId && (
          <>
            <dt>document</dt>
            <dd>
              <code>{item.documentId}</code> (chunk {item.chunkIndex})
            </dd>
          </>
        )}
        <dt>ingested</dt>
        <dd>{new Date(String(item.createdAt)).toLocaleString()}</dd>
        <dt>entities</dt>
        <dd data-testid="item-entities">
          {item.entities.length
            ? item.entities.map((e) => (
                <a key={e.id} class="chip" href={link(`/entity/${encodeURIComponent(e.id)}`)}>
                  {e.name} <span class="muted">{e.type}</span>
                </a>
              ))
            : <span class="muted">none linked</span>}
        </dd>
      </dl>
      <h3>Metadata</h3>
      <Json value={metadata} />
      <a class="button" href={link(`/search/more/${item.id}`)}>
        More like this
      </a>
    </div>
  );
}
