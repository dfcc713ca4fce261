import { useEffect, useRef, useState } from 'preact/hooks';
import { ScrollBox } from './common.tsx';

// Lineage drawn left to right: every node sits one column right of the furthest node feeding it,
// so tables, source connectors, topics, sink connectors and their tables and consumer groups line
// up in that order without a layout library. The same edges follow as a list for screen readers.

export interface LineageNode {
  id: string;
  kind: string;
  name: string;
}

export interface LineageEdge {
  from: string;
  to: string;
  kind: string;
}

// Nodes as wide as the longest name needs (12px monospace, ~7.3px a character), within bounds and
// as long as every column still fits the panel's width (measured); a longer name is shortened in the
// middle and given whole in the node's tooltip and the list.
const FLOOR_W = 120;
const MIN_W = 176;
const MAX_W = 300;
const CHAR_W = 7.3;
const NODE_H = 44;
const GAP_X = 46;
const GAP_Y = 16;
const KIND_LABEL: Record<string, string> = {
  table: 'table',
  connector: 'connector',
  topic: 'topic',
  'consumer-group': 'consumer group',
  product: 'product',
};

function layers(nodes: LineageNode[], edges: LineageEdge[]): Map<string, number> {
  const layer = new Map(nodes.map((node) => [node.id, 0]));
  // Longest path from a source; at most |nodes| rounds, so a cycle cannot loop forever.
  for (let round = 0; round < nodes.length; round++) {
    let changed = false;
    for (const edge of edges) {
      const next = (layer.get(edge.from) ?? 0) + 1;
      if (layer.has(edge.to) && next > (layer.get(edge.to) ?? 0)) {
        layer.set(edge.to, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return layer;
}

export function LineageGraph({ nodes, edges }: { nodes: LineageNode[]; edges: LineageEdge[] }) {
  // The product node is the frame, not a step of the flow: drawn as the page title instead.
  const shown = nodes.filter((node) => node.kind !== 'product');
  const ids = new Set(shown.map((node) => node.id));
  const flows = edges.filter((edge) => ids.has(edge.from) && ids.has(edge.to));
  const box = useRef<HTMLDivElement>(null);
  const [room, setRoom] = useState(1100);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const measure = () => setRoom(element.clientWidth);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  if (shown.length === 0)
    return (
      <div class="lineage" ref={box}>
        <p class="muted">No lineage recorded yet.</p>
      </div>
    );
  const layer = layers(shown, flows);
  const count = Math.max(...shown.map((node) => layer.get(node.id) ?? 0)) + 1;
  const longest = Math.max(...shown.map((node) => node.name.length));
  const needed = Math.min(MAX_W, Math.max(MIN_W, Math.ceil(longest * CHAR_W) + 22));
  const fitting = Math.max(FLOOR_W, (room - 20 - (count - 1) * GAP_X) / count);
  const nodeW = Math.floor(Math.min(needed, fitting));
  const fits = Math.floor((nodeW - 20) / CHAR_W);
  const short = (text: string) => {
    if (text.length <= fits) return text;
    const tail = Math.floor((fits - 1) / 2);
    return `${text.slice(0, fits - 1 - tail)}…${text.slice(-tail)}`;
  };
  const columns: LineageNode[][] = [];
  for (const node of shown) {
    const index = layer.get(node.id) ?? 0;
    columns[index] = [...(columns[index] ?? []), node];
  }
  const position = new Map<string, { x: number; y: number }>();
  const tallest = Math.max(...columns.map((column) => column?.length ?? 0));
  const height = tallest * (NODE_H + GAP_Y) + GAP_Y;
  columns.forEach((column, index) => {
    const offset = (height - (column?.length ?? 0) * (NODE_H + GAP_Y)) / 2;
    (column ?? []).forEach((node, row) => {
      position.set(node.id, {
        x: index * (nodeW + GAP_X) + 8,
        y: offset + row * (NODE_H + GAP_Y) + GAP_Y / 2,
      });
    });
  });
  const width = columns.length * (nodeW + GAP_X) - GAP_X + 16;
  const name = (id: string) => {
    const node = shown.find((entry) => entry.id === id);
    return node ? `${KIND_LABEL[node.kind] ?? node.kind} ${node.name}` : id;
  };
  return (
    <div class="lineage" ref={box}>
      <ScrollBox class="lineage-scroll" label="Lineage graph (scrolls sideways)">
        <svg
          viewBox={`0 0 ${width} ${height}`}
          width={width}
          height={height}
          role="img"
          aria-label={`Lineage graph with ${shown.length} nodes; the list below reads it out`}
        >
          <defs>
            <marker
              id="arrow"
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto"
            >
              <path d="M0,0 L10,5 L0,10 z" class="arrow-head" />
            </marker>
          </defs>
          {flows.map((edge) => {
            const from = position.get(edge.from);
            const to = position.get(edge.to);
            if (!from || !to) return null;
            const x1 = from.x + nodeW;
            const y1 = from.y + NODE_H / 2;
            const x2 = to.x;
            const y2 = to.y + NODE_H / 2;
            const mid = (x1 + x2) / 2;
            return (
              <path
                key={`${edge.from}>${edge.to}`}
                d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2 - 2},${y2}`}
                class="edge"
                marker-end="url(#arrow)"
              />
            );
          })}
          {shown.map((node) => {
            const at = position.get(node.id);
            if (!at) return null;
            return (
              <g key={node.id} transform={`translate(${at.x},${at.y})`} class={`node node-${node.kind}`}>
                <title>{`${KIND_LABEL[node.kind] ?? node.kind}: ${node.name}`}</title>
                <rect width={nodeW} height={NODE_H} rx="6" />
                <text x="10" y="16" class="node-kind">
                  {KIND_LABEL[node.kind] ?? node.kind}
                </text>
                <text x="10" y="34" class="node-name">
                  {short(node.name)}
                </text>
              </g>
            );
          })}
        </svg>
      </ScrollBox>
      <details class="lineage-list">
        <summary>Lineage as a list ({flows.length} flows)</summary>
        <ul>
          {flows.map((edge) => (
            <li key={`${edge.from}>${edge.to}`}>
              {name(edge.from)} → {name(edge.to)} ({edge.kind})
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}
