import { useEffect, useState } from 'preact/hooks';
import { fileToBase64, request } from '../api';
import { ErrorBox, Highlight, link, MediaImg } from '../components/common';
import type { ItemCardFragment, Modality, SearchInput, SearchQuery as SearchResult } from '../gql/graphql';
import { SearchQuery } from '../operations';

type Query = { kind: 'text'; text: string } | { kind: 'image'; base64: string; preview: string; name: string } | { kind: 'item'; itemId: string };

/** "key=value, key2=value2" -> metadata conditions; numbers and booleans keep their type. */
export function parseMetadata(raw: string) {
  return raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const [key, ...rest] = p.split('=');
      const v = rest.join('=').trim();
      const eq = v === 'true' ? true : v === 'false' ? false : v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
      return { key: key!.trim(), eq };
    });
}

export function SearchPage({ initialItem }: { initialItem?: string | undefined }) {
  const [text, setText] = useState('');
  const [query, setQuery] = useState<Query | null>(initialItem ? { kind: 'item', itemId: initialItem } : null);
  const [modality, setModality] = useState<Modality | ''>('');
  const [meta, setMeta] = useState('');
  const [result, setResult] = useState<SearchResult['search'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const run = async (q: Query) => {
    setQuery(q);
    setBusy(true);
    setError(null);
    const filter = { ...(modality ? { modality } : {}), ...(meta.trim() ? { metadata: parseMetadata(meta) } : {}) };
    const input: SearchInput = {
      topK: 24,
      filter,
      ...(q.kind === 'text' ? { text: q.text } : q.kind === 'image' ? { image: { base64: q.base64 } } : { itemId: q.itemId }),
    };
    try {
      setResult((await request(SearchQuery, { input })).search);
    } catch (e) {
      setResult(null);
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (initialItem) void run({ kind: 'item', itemId: initialItem });
  }, [initialItem]);

  const useFile = async (file: File | null | undefined) => {
    if (!file) return;
    try {
      const base64 = await fileToBase64(file);
      void run({ kind: 'image', base64, preview: URL.createObjectURL(file), name: file.name || 'pasted image' });
    } catch (e) {
      setError(e);
    }
  };

  const images = result?.hits.filter((h) => h.item.modality === 'IMAGE') ?? [];
  const texts = result?.hits.filter((h) => h.item.modality === 'TEXT') ?? [];
  const words = query?.kind === 'text' ? query.text : '';

  return (
    <div
      onPaste={(e) => {
        const file = [...(e.clipboardData?.files ?? [])][0];
        if (file) void useFile(file);
      }}
    >
      <form
        class="searchbar"
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) void run({ kind: 'text', text: text.trim() });
        }}
      >
        <input name="q" type="search" placeholder="Search text and images…  (or drop / paste an image)" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        <select name="modality" value={modality} onChange={(e) => setModality(e.currentTarget.value as Modality | '')} aria-label="modality">
          <option value="">text + images</option>
          <option value="IMAGE">images</option>
          <option value="TEXT">text</option>
        </select>
        <input name="metadata" class="meta" placeholder="metadata: key=value, …" value={meta} onInput={(e) => setMeta(e.currentTarget.value)} />
        <button type="submit" disabled={busy}>
          Search
        </button>
        <label class="button secondary">
          Image…
          <input type="file" accept="image/*" hidden name="image" onChange={(e) => void useFile(e.currentTarget.files?.[0])} />
        </label>
      </form>
      <div
        class="dropzone"
        data-testid="search-drop"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          void useFile(e.dataTransfer?.files[0]);
        }}
      >
        {query?.kind === 'image' ? (
          <span>
            <img src={query.preview} alt="" class="preview" /> similar to <b>{query.name}</b>
          </span>
        ) : query?.kind === 'item' ? (
          <span>
            more like <a href={link(`/item/${query.itemId}`)}>{query.itemId}</a>
          </span>
        ) : (
          <span class="muted">Drop an image here to search by image</span>
        )}
      </div>
      <ErrorBox error={error} />
      {result && (
        <p class="muted" data-testid="search-summary">
          {result.hits.length} hits in {result.tookMs.toFixed(1)} ms (query embedded as {result.queryModality.toLowerCase()})
        </p>
      )}
      {images.length > 0 && (
        <div class="grid" data-testid="image-hits">
          {images.map((h) => (
            <ImageHit key={h.item.id} item={h.item} score={h.score} onMore={() => void run({ kind: 'item', itemId: h.item.id })} />
          ))}
        </div>
      )}
      {texts.length > 0 && (
        <ol class="texthits" data-testid="text-hits">
          {texts.map((h) => (
            <li key={h.item.id}>
              <a href={link(`/item/${h.item.id}`)}>{h.item.title || h.item.source || h.item.id}</a> <span class="score">{h.score.toFixed(3)}</span>
              <p>
                <Highlight text={h.item.text ?? ''} query={words} />
              </p>
              <button class="link" onClick={() => void run({ kind: 'item', itemId: h.item.id })}>
                more like this
              </button>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

export function ImageHit({ item, score, onMore }: { item: ItemCardFragment; score?: number; onMore?: () => void }) {
  return (
    <figure class="tile">
      <a href={link(`/item/${item.id}`)}>{item.image ? <MediaImg src={item.image.thumbnailUrl} alt={item.text ?? ''} class="thumb" /> : <div class="noimg thumb">no file</div>}</a>
      <figcaption>
        <span class="caption">{item.text || <i class="muted">no caption</i>}</span>
        {score !== undefined && <span class="score">{score.toFixed(3)}</span>}
        {onMore && (
          <button class="link" onClick={onMore}>
            more like this
          </button>
        )}
      </figcaption>
    </figure>
  );
}
