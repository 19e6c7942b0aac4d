import { useEffect, useRef, useState } from 'preact/hooks';
import { subscribe } from '../api';
import { ErrorBox, link, MediaImg } from '../components/common';
import type { AskStreamSubscription as AskEvents } from '../gql/graphql';
import { AskStreamSubscription } from '../operations';

type AskEvent = AskEvents['askStream'];
type Completed = Extract<AskEvent, { __typename: 'AskCompleted' }>['result'];
type Decided = Extract<AskEvent, { __typename: 'RouteDecided' }>['decision'];

export function AskPage() {
  const [question, setQuestion] = useState('');
  const [decision, setDecision] = useState<Decided | null>(null);
  const [found, setFound] = useState<{ route: string; ms: number; n: number; error: string | null }[]>([]);
  const [streamed, setStreamed] = useState('');
  const [result, setResult] = useState<Completed | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const [focus, setFocus] = useState<number | null>(null);
  const cancel = useRef<(() => void) | null>(null);
  useEffect(() => () => cancel.current?.(), []);

  const ask = (e: SubmitEvent) => {
    e.preventDefault();
    if (!question.trim()) return;
    cancel.current?.();
    setDecision(null);
    setFound([]);
    setStreamed('');
    setResult(null);
    setError(null);
    setRunning(true);
    cancel.current = subscribe(
      AskStreamSubscription,
      { question: question.trim() },
      {
        next: ({ askStream: ev }) => {
          if (ev.__typename === 'RouteDecided') setDecision(ev.decision);
          else if (ev.__typename === 'EvidenceFound') setFound((f) => [...f, { route: ev.route, ms: ev.ms, n: ev.evidence.length, error: ev.error ?? null }]);
          else if (ev.__typename === 'AnswerDelta') setStreamed((s) => s + ev.text);
          else if (ev.__typename === 'AskCompleted') setResult(ev.result);
        },
        error: (err) => {
          setError(err);
          setRunning(false);
        },
        complete: () => setRunning(false),
      },
    );
  };

  const shownDecision = result?.decision ?? decision;
  return (
    <div>
      <form class="searchbar" onSubmit={ask}>
        <input name="question" placeholder="Ask a question…" value={question} onInput={(e) => setQuestion(e.currentTarget.value)} />
        <button type="submit" disabled={running}>
          Ask
        </button>
        {running && (
          <button
            type="button"
            class="secondary"
            onClick={() => {
              cancel.current?.();
              setRunning(false);
            }}
          >
            Stop
          </button>
        )}
      </form>
      <ErrorBox error={error} />
      {shownDecision && (
        <div class="card" data-testid="decision">
          <b>Route</b> ({shownDecision.decidedBy.toLowerCase()}, {shownDecision.tookMs.toFixed(1)} ms)
          {shownDecision.refusal && <div class="error">refused: {shownDecision.refusal}</div>}
          <ul class="routes">
            {shownDecision.routes.map((r) => (
              <li key={r.route}>
                <span class={`pill ${r.route}`}>{r.route}</span> {Math.round(r.confidence * 100)}% <span class="muted">{r.reason}</span>
              </li>
            ))}
          </ul>
          {found.length > 0 && (
            <div class="muted">
              {found.map((f) => `${f.route}: ${f.n} in ${f.ms.toFixed(0)} ms${f.error ? ` (${f.error})` : ''}`).join(' · ')}
            </div>
          )}
        </div>
      )}
      {(streamed || result) && (
        <div class="card answer" data-testid="answer" data-complete={result ? 'true' : 'false'}>
          {result ? <Cited text={result.answer.text} citations={result.answer.citations} onCite={setFocus} /> : <p>{streamed}</p>}
          {result && (
            <p class="muted">
              {result.answer.mode.toLowerCase()} answer{result.answer.grounded ? ', grounded' : ''}
              {result.warnings.map((w) => (
                <div key={w}>⚠ {w}</div>
              ))}
            </p>
          )}
        </div>
      )}
      {result && <Timeline stages={result.trace.stages} total={result.trace.totalMs} />}
      {result && (
        <div class="evidence" data-testid="evidence">
          {result.evidence.map((ev) => (
            <div key={ev.id} id={`ev-${ev.number}`} class={`card ev ${focus === ev.number ? 'focus' : ''}`}>
              <div>
                <b>[{ev.number}]</b> <span class={`pill ${ev.route}`}>{ev.route}</span> <span class="muted">{ev.__typename.replace('Evidence', '')} · {ev.fusedScore.toFixed(4)}</span>
              </div>
              {ev.__typename === 'ImageEvidence' && ev.item.image && (
                <a href={link(`/item/${ev.item.id}`)}>
                  <MediaImg src={ev.item.image.thumbnailUrl} alt={ev.text} class="thumb small" />
                </a>
              )}
              <p>{ev.text}</p>
              {ev.__typename === 'TextEvidence' && <a href={link(`/item/${ev.item.id}`)}>open item</a>}
              {ev.__typename === 'GraphFactEvidence' &&
                ev.entityIds.map((id) => (
                  <a key={id} class="chip" href={link(`/entity/${encodeURIComponent(id)}`)}>
                    {id}
                  </a>
                ))}
              {ev.__typename === 'WebEvidence' && (
                <a href={ev.url} rel="noreferrer noopener" target="_blank">
                  {ev.title}
                </a>
              )}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

/** The answer with its [n] citations as links to the evidence cards below. */
function Cited({ text, citations, onCite }: { text: string; citations: { number: number; start: number; end: number }[]; onCite: (n: number) => void }) {
  const parts: (string | { n: number; label: string })[] = [];
  let at = 0;
  for (const c of [...citations].sort((a, b) => a.start - b.start)) {
    if (c.start < at) continue;
    parts.push(text.slice(at, c.start), { n: c.number, label: text.slice(c.start, c.end) });
    at = c.end;
  }
  parts.push(text.slice(at));
  return (
    <p>
      {parts.map((p, i) =>
        typeof p === 'string' ? (
          p
        ) : (
          <a
            key={i}
            href={`#ev-${p.n}`}
            class="cite"
            onClick={(e) => {
              e.preventDefault();
              onCite(p.n);
              document.getElementById(`ev-${p.n}`)?.scrollIntoView({ behavior: 'smooth', block: 'center' });
            }}
          >
            {p.label}
          </a>
        ),
      )}
    </p>
  );
}

/**
 * Per-stage timings on one time axis: stages run one after another, except the retrieval routes
 * (`retrieve:*`), which run in parallel from the same start.
 */
function Timeline({ stages, total }: { stages: { stage: string; ms: number; detail?: string | null }[]; total: number }) {
  let at = 0;
  let parallelStart = -1;
  let parallelEnd = 0;
  const placed = stages.map((s) => {
    if (s.stage.startsWith('retrieve:')) {
      if (parallelStart < 0) parallelStart = at;
      parallelEnd = Math.max(parallelEnd, parallelStart + s.ms);
      return { ...s, start: parallelStart };
    }
    if (parallelStart >= 0) {
      at = parallelEnd;
      parallelStart = -1;
    }
    const start = at;
    at += s.ms;
    return { ...s, start };
  });
  const span = Math.max(total, ...placed.map((p) => p.start + p.ms), 1);
  return (
    <div class="card" data-testid="timeline">
      <b>Timeline</b> <span class="muted">{total.toFixed(1)} ms in all</span>
      {placed.map((s, i) => (
        <div class="stage" key={`${s.stage}-${i}`} title={s.detail ?? ''}>
          <span class="stage-name">{s.stage}</span>
          <span class="track">
            <span class="bar" style={{ marginLeft: `${(100 * s.start) / span}%`, width: `${Math.max(0.5, (100 * s.ms) / span)}%` }} />
          </span>
          <span class="muted">{s.ms.toFixed(1)} ms</span>
        </div>
      ))}
    </div>
  );
}
