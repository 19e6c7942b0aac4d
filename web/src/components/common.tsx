import { useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { ApiError, apiKey, mediaObjectUrl } from '../api';

/** A readable error: the service's code and message, with a hint for the usual causes. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : new ApiError(error instanceof Error ? error.message : String(error), 'ERROR');
  const hint: Record<string, string> = {
    UNAUTHENTICATED: 'Enter a valid API key at the top right.',
    FORBIDDEN: 'Your API key does not have the role this needs.',
    UNAVAILABLE: 'A backing service is down; try again when it is back.',
    PAYLOAD_TOO_LARGE: 'The input is over the service limits.',
  };
  return (
    <div class="error" role="alert">
      <strong>{e.code}</strong> {e.message}
      {e.field ? <span class="muted"> (field {e.field})</span> : null}
      {hint[e.code] ? <div class="muted">{hint[e.code]}</div> : null}
    </div>
  );
}

/**
 * An image from /media. Without an API key a plain <img>; with one, fetched with the key (an <img>
 * cannot send headers) and shown from an object URL.
 */
export function MediaImg({ src, alt, class: cls }: { src: string; alt: string; class?: string }) {
  const key = apiKey.get();
  const [url, setUrl] = useState<string | null>(key ? null : src);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!key) {
      setUrl(src);
      return;
    }
    let objectUrl: string | null = null;
    let live = true;
    mediaObjectUrl(src).then(
      (u) => (live ? setUrl((objectUrl = u)) : URL.revokeObjectURL(u)),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [src, key]);
  if (failed) return <div class={`noimg ${cls ?? ''}`}>image unavailable</div>;
  return url ? <img src={url} alt={alt} class={cls} loading="lazy" onError={() => setFailed(true)} /> : <div class={`noimg ${cls ?? ''}`} />;
}

/** Text with the words of the query marked. */
export function Highlight({ text, query }: { text: string; query: string }) {
  const words = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? [])];
  if (!words.length) return <>{text}</>;
  const re = new RegExp(`(${words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'giu');
  return <>{text.split(re).map((part, i) => (i % 2 ? <mark>{part}</mark> : part))}</>;
}

export function Json({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="card">
      <h3>{title}</h3>
      {children}
    </section>
  );
}

export const link = (path: string) => `#${path}`;
