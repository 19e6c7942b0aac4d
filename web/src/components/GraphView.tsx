import { useMemo } from 'preact/hooks';

export interface GNode {
  id: string;
  name: string;
  type: string;
}
export interface GEdge {
  id: string;
  type: string;
  fromId: string;
  toId: string;
}

/**
 * A neighbourhood drawn as a graph: a few hundred steps of a plain force layout (repulsion between
 * all nodes, springs along edges), computed once per graph, drawn in SVG. Enough for the 100-node
 * neighbourhoods the API returns; no graph library needed.
 */
export function GraphView({ nodes, edges, centre, onOpen }: { nodes: GNode[]; edges: GEdge[]; centre: string; onOpen: (id: string) => void }) {
  const W = 720;
  const H = 420;
  const pos = useMemo(() => layout(nodes, edges, centre, W, H), [nodes, edges, centre]);
  const colour = (t: string) => `hsl(${[...t].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7)} 55% 55%)`;
  return (
    <svg class="graph" viewBox={`0 0 ${W} ${H}`} role="img" aria-label="neighbourhood graph">
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="19" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#888" />
        </marker>
      </defs>
      {edges.map((e) => {
        const a = pos.get(e.fromId);
        const b = pos.get(e.toId);
        if (!a || !b) return null;
        return (
          <g key={e.id}>
            <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} stroke="#999" marker-end="url(#arrow)" />
            <text x={(a.x + b.x) / 2} y={(a.y + b.y) / 2 - 3} class="edge-label">
              {e.type}
            </text>
          </g>
        );
      })}
      {nodes.map((n) => {
        const p = pos.get(n.id)!;
        return (
          <g key={n.id} class="node" transform={`translate(${p.x},${p.y})`} onClick={() => onOpen(n.id)} data-entity={n.id}>
            <circle r={n.id === centre ? 11 : 8} fill={colour(n.type)} stroke={n.id === centre ? '#222' : '#fff'} stroke-width="2" />
            <text y={-14} text-anchor="middle">
              {n.name}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function layout(nodes: GNode[], edges: GEdge[], centre: string, W: number, H: number) {
  const p = new Map<string, { x: number; y: number; vx: number; vy: number }>();
  nodes.forEach((n, i) => {
    const a = (2 * Math.PI * i) / Math.max(1, nodes.length);
    p.set(n.id, n.id === centre ? { x: W / 2, y: H / 2, vx: 0, vy: 0 } : { x: W / 2 + 150 * Math.cos(a), y: H / 2 + 120 * Math.sin(a), vx: 0, vy: 0 });
  });
  const list = [...p.values()];
  for (let step = 0; step < 300; step++) {
    for (const a of list)
      for (const b of list) {
        if (a === b) continue;
        const dx = a.x - b.x;
        const dy = a.y - b.y;
        const d2 = Math.max(dx * dx + dy * dy, 25);
        a.vx += (dx / d2) * 900;
        a.vy += (dy / d2) * 900;
      }
    for (const e of edges) {
      const a = p.get(e.fromId);
      const b = p.get(e.toId);
      if (!a || !b) continue;
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const d = Math.sqrt(dx * dx + dy * dy) || 1;
      const f = (d - 110) * 0.02;
      a.vx += (dx / d) * f;
      a.vy += (dy / d) * f;
      b.vx -= (dx / d) * f;
      b.vy -= (dy / d) * f;
    }
    for (const [id, n] of p) {
      if (id === centre) continue;
      n.x = Math.min(W - 30, Math.max(30, n.x + n.vx * 0.5));
      n.y = Math.min(H - 20, Math.max(24, n.y + n.vy * 0.5));
      n.vx *= 0.6;
      n.vy *= 0.6;
    }
  }
  return p;
}
