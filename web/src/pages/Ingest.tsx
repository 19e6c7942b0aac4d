import { useState } from 'preact/hooks';
import { fileToBase64, request } from '../api';
import { ErrorBox, link } from '../components/common';
import type { IngestBatchMutation as IngestResult, IngestItemInput } from '../gql/graphql';
import { IngestBatchMutation } from '../operations';

interface Row {
  label: string;
  input: IngestItemInput;
}

const TEXT_FILE = /\.(txt|md|markdown|csv|json)$/i;

export function IngestPage() {
  const [rows, setRows] = useState<Row[]>([]);
  const [text, setText] = useState('');
  const [title, setTitle] = useState('');
  const [result, setResult] = useState<IngestResult['ingestBatch'] | null>(null);
  const [sent, setSent] = useState<Row[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const addFiles = async (files: FileList | File[] | null | undefined) => {
    const added: Row[] = [];
    for (const f of [...(files ?? [])]) {
      // Everything that is not a text file goes to the service as an image: the service decides
      // (SVG, PDFs, broken files come back as per-item errors, the same as over the API).
      if (TEXT_FILE.test(f.name) || f.type.startsWith('text/')) added.push({ label: f.name, input: { text: { text: await f.text(), title: f.name, source: f.name } } });
      else added.push({ label: f.name, input: { image: { base64: await fileToBase64(f), caption: f.name.replace(/\.[^.]+$/, '').replace(/[-_]+/g, ' '), source: f.name } } });
    }
    setRows((r) => [...r, ...added]);
  };

  const send = async () => {
    const all = [...rows, ...(text.trim() ? [{ label: title || 'pasted text', input: { text: { text, ...(title ? { title } : {}) } } }] : [])];
    if (!all.length) return;
    setBusy(true);
    setError(null);
    try {
      const r = await request(IngestBatchMutation, { items: all.map((a) => a.input) });
      setSent(all);
      setResult(r.ingestBatch);
      setRows([]);
      setText('');
      setTitle('');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <div
        class="dropzone big"
        data-testid="ingest-drop"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          void addFiles(e.dataTransfer?.files);
        }}
        onPaste={(e) => void addFiles(e.clipboardData?.files)}
      >
        Drop images or text files here, or{' '}
        <label class="button secondary">
          choose files
          <input type="file" multiple hidden name="files" onChange={(e) => void addFiles(e.currentTarget.files)} />
        </label>
      </div>
      {rows.length > 0 && (
        <ul class="queue" data-testid="queue">
          {rows.map((r, i) => (
            <li key={i}>
              <span class="pill">{r.input.image ? 'image' : 'text'}</span> {r.label}{' '}
              <button class="link" onClick={() => setRows((all) => all.filter((_, k) => k !== i))}>
                remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="card">
        <input name="title" placeholder="Title (optional)" value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
        <textarea name="text" rows={6} placeholder="…or paste a document's text here" value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </div>
      <button onClick={() => void send()} disabled={busy || (!rows.length && !text.trim())} data-testid="ingest-send">
        {busy ? 'Ingesting…' : `Ingest ${rows.length + (text.trim() ? 1 : 0)} item(s)`}
      </button>
      <ErrorBox error={error} />
      {result && (
        <div class="card" data-testid="ingest-results">
          <b>
            {result.ingested} ingested, {result.failed} failed
          </b>
          <table>
            <tbody>
              {result.results.map((r) => (
                <tr key={r.index} class={r.ok ? 'ok' : 'failed'}>
                  <td>{sent[r.index]?.label}</td>
                  <td>
                    {r.ok ? (
                      r.itemIds.slice(0, 3).map((id) => (
                        <a key={id} href={link(`/item/${id}`)}>
                          {id}{' '}
                        </a>
                      ))
                    ) : (
                      <span class="error-inline">
                        <b>{r.error?.code}</b> {r.error?.message}
                      </span>
                    )}
                    {r.ok && r.itemIds.length > 3 ? ` +${r.itemIds.length - 3} chunks` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
