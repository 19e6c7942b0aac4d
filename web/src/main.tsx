import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { apiKey } from './api';
import { AskPage } from './pages/Ask';
import { BrowsePage } from './pages/Browse';
import { EntitiesPage, EntityPage } from './pages/Entity';
import { IngestPage } from './pages/Ingest';
import { ItemPage } from './pages/Item';
import { SearchPage } from './pages/Search';
import './style.css';

/** Hash routes (#/ask, #/item/<id>...): the service serves one page and needs no route table. */
function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

function KeyEntry() {
  const [key, setKey] = useState(apiKey.get());
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const ask = () => setOpen(true);
    window.addEventListener('kg:unauthenticated', ask);
    return () => window.removeEventListener('kg:unauthenticated', ask);
  }, []);
  if (!open)
    return (
      <button class="secondary keybtn" onClick={() => setOpen(true)} data-testid="key-button">
        {apiKey.get() ? 'API key ✓' : 'API key'}
      </button>
    );
  return (
    <form
      class="keyform"
      onSubmit={(e) => {
        e.preventDefault();
        apiKey.set(key.trim());
        setOpen(false);
      }}
    >
      <input type="password" name="apiKey" placeholder="API key (empty: none)" value={key} onInput={(e) => setKey(e.currentTarget.value)} autoFocus />
      <button type="submit">Save</button>
    </form>
  );
}

function App() {
  const [page, ...rest] = useRoute();
  const [, force] = useState(0);
  useEffect(() => {
    const on = () => force((n) => n + 1);
    window.addEventListener('kg:key', on);
    return () => window.removeEventListener('kg:key', on);
  }, []);
  const tab = page ?? 'search';
  const nav = [
    ['search', 'Search'],
    ['ask', 'Ask'],
    ['browse', 'Browse'],
    ['entities', 'Entities'],
    ['ingest', 'Ingest'],
  ];
  let body;
  if (tab === 'ask') body = <AskPage />;
  else if (tab === 'browse') body = <BrowsePage />;
  else if (tab === 'entities') body = <EntitiesPage />;
  else if (tab === 'entity' && rest[0]) body = <EntityPage id={rest[0]} />;
  else if (tab === 'item' && rest[0]) body = <ItemPage id={rest[0]} />;
  else if (tab === 'ingest') body = <IngestPage />;
  else body = <SearchPage key={rest.join('/')} initialItem={rest[0] === 'more' ? rest[1] : undefined} />;
  return (
    <>
      <header>
        <a class="brand" href="#/">
          ◈ Knowledge
        </a>
        <nav>
          {nav.map(([id, label]) => (
            <a key={id} href={`#/${id}`} class={tab === id ? 'active' : ''}>
              {label}
            </a>
          ))}
          <a href="/graphql" class="muted" title="Apollo Sandbox (needs internet)">
            GraphQL
          </a>
        </nav>
        <KeyEntry />
      </header>
      <main>{body}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
