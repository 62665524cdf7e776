// The per-layer table: a virtualized grid (fixed row height, only the visible rows plus a margin are
// in the DOM), so 1,000+ layers scroll and re-plan smoothly. Sorting by header, keyboard navigation:
// arrows / PageUp / PageDown / Home / End move the cursor row, Enter (or a click) selects it.
import type { Row, SortKey } from './plan';
import { fmtBits, fmtCount, fmtDb, fmtMs, fmtShape, fmtShare } from './format';

export const ROW_HEIGHT = 24;
const OVERSCAN = 8;

interface Column {
  key: SortKey;
  label: string;
  title: string;
  cell(r: Row): string;
  numeric?: boolean;
}

const COLUMNS: Column[] = [
  { key: 'index', label: '#', title: 'Layer order in the model', cell: (r) => String(r.index + 1), numeric: true },
  { key: 'name', label: 'Layer', title: 'Layer (node) name', cell: (r) => r.name },
  { key: 'op', label: 'Op', title: 'Operator', cell: (r) => r.op },
  { key: 'params', label: 'Shape', title: 'Weight shape (sorts by parameters)', cell: (r) => fmtShape(r.shape) },
  { key: 'params', label: 'Params', title: 'Parameters', cell: (r) => fmtCount(r.params), numeric: true },
  { key: 'macs', label: 'MACs', title: 'Multiply-accumulates per inference', cell: (r) => fmtCount(r.macs), numeric: true },
  { key: 'method', label: 'Method', title: 'Quantization method (planned)', cell: (r) => r.method ?? '—' },
  { key: 'ones', label: 'Ones', title: 'Share of ones (connections); pruned share in brackets', cell: (r) => fmtShare(r.ones) + (r.pruned ? ` [${fmtShare(r.pruned)}]` : ''), numeric: true },
  { key: 'rawBits', label: 'Raw', title: 'Bits per weight, raw', cell: (r) => fmtBits(r.rawBits), numeric: true },
  { key: 'entropyBits', label: 'Entropy', title: 'Bits per weight, entropy-coded (with overheads)', cell: (r) => fmtBits(r.entropyBits), numeric: true },
  { key: 'sqnr', label: 'SQNR', title: 'Signal-to-quantization-noise ratio in dB, 10 log10(energy / error)', cell: (r) => fmtDb(r.sqnr), numeric: true },
  { key: 'estMs', label: 'Est.', title: 'Estimated latency, selected profile', cell: (r) => fmtMs(r.estMs), numeric: true },
  { key: 'measuredMs', label: 'Meas.', title: 'Measured latency on this host (ONNX Runtime)', cell: (r) => fmtMs(r.measuredMs), numeric: true },
];

export interface TableCallbacks {
  onSort(key: SortKey): void;
  /** Enter or click on a row. */
  onSelect(name: string): void;
}

export class LayerTable {
  readonly el: HTMLElement;
  private readonly head: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly body: HTMLElement;
  private rows: Row[] = [];
  private order: number[] = [];
  private cursor = 0;
  private selected: string | null = null;
  private sortKey: SortKey = 'index';
  private sortDir: 1 | -1 = 1;
  private scheduled = false;
  private rendered = { first: -1, last: -1 };

  constructor(private readonly cb: TableCallbacks) {
    this.el = document.createElement('div');
    this.el.className = 'layer-table';
    this.el.setAttribute('role', 'grid');
    this.el.setAttribute('aria-label', 'Layers');
    this.el.setAttribute('aria-colcount', String(COLUMNS.length));

    this.head = document.createElement('div');
    this.head.className = 'row head';
    this.head.setAttribute('role', 'row');
    this.head.setAttribute('aria-rowindex', '1');
    for (const [i, c] of COLUMNS.entries()) {
      const h = document.createElement('div');
      h.className = 'cell' + (c.numeric ? ' num' : '');
      h.setAttribute('role', 'columnheader');
      h.setAttribute('aria-colindex', String(i + 1));
      h.dataset.key = c.key;
      h.title = c.title + ' (click to sort)';
      h.tabIndex = 0;
      h.textContent = c.label;
      h.addEventListener('click', () => this.cb.onSort(c.key));
      h.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          this.cb.onSort(c.key);
        }
      });
      this.head.append(h);
    }

    this.viewport = document.createElement('div');
    this.viewport.className = 'viewport';
    this.viewport.tabIndex = 0;
    this.viewport.setAttribute('role', 'rowgroup');
    this.viewport.setAttribute('aria-label', 'Layer rows: arrow keys move, Enter selects');
    this.spacer = document.createElement('div');
    this.spacer.className = 'spacer';
    this.body = document.createElement('div');
    this.body.className = 'rows';
    this.spacer.append(this.body);
    this.viewport.append(this.spacer);
    this.viewport.addEventListener('scroll', () => {
      // The header sits outside the scroller; keep its columns over the body's when scrolled sideways.
      this.head.scrollLeft = this.viewport.scrollLeft;
      this.schedule();
    });
    this.viewport.addEventListener('keydown', (e) => this.onKey(e));
    this.body.addEventListener('click', (e) => {
      const rowEl = (e.target as HTMLElement).closest('.row') as HTMLElement | null;
      if (!rowEl || rowEl.dataset.pos == null) return;
      this.cursor = Number(rowEl.dataset.pos);
      this.viewport.focus({ preventScroll: true });
      this.cb.onSelect(rowEl.dataset.name!);
    });
    this.el.append(this.head, this.viewport);
  }

  /** New data (rows re-planned, filter or sort changed). Keeps scroll position and cursor. */
  setData(rows: Row[], order: number[], sortKey: SortKey, sortDir: 1 | -1, selected: string | null): void {
    this.rows = rows;
    this.order = order;
    this.sortKey = sortKey;
    this.sortDir = sortDir;
    this.selected = selected;
    if (this.cursor >= order.length) this.cursor = Math.max(0, order.length - 1);
    this.el.setAttribute('aria-rowcount', String(order.length + 1));
    this.spacer.style.height = `${order.length * ROW_HEIGHT}px`;
    for (const h of this.head.children) {
      const he = h as HTMLElement;
      const active = he.dataset.key === sortKey && !(he.textContent === 'Shape' && sortKey === 'params');
      he.setAttribute('aria-sort', active ? (sortDir === 1 ? 'ascending' : 'descending') : 'none');
      he.classList.toggle('sorted', active);
    }
    this.rendered = { first: -1, last: -1 };
    this.renderNow();
  }

  /** Moves the cursor to a layer's row and scrolls it into view (used when restoring state). */
  reveal(name: string | null): void {
    if (name == null) return;
    const pos = this.order.findIndex((i) => this.rows[i].name === name);
    if (pos < 0) return;
    this.cursor = pos;
    this.scrollToCursor();
    this.rendered = { first: -1, last: -1 };
    this.renderNow();
  }

  get scrollTop(): number {
    return this.viewport.scrollTop;
  }
  set scrollTop(v: number) {
    this.viewport.scrollTop = v;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.renderNow();
    });
  }

  private onKey(e: KeyboardEvent): void {
    const n = this.order.length;
    if (n === 0) return;
    const page = Math.max(1, Math.floor(this.viewport.clientHeight / ROW_HEIGHT) - 1);
    let next = this.cursor;
    switch (e.key) {
      case 'ArrowDown': next = Math.min(n - 1, this.cursor + 1); break;
      case 'ArrowUp': next = Math.max(0, this.cursor - 1); break;
      case 'PageDown': next = Math.min(n - 1, this.cursor + page); break;
      case 'PageUp': next = Math.max(0, this.cursor - page); break;
      case 'Home': next = 0; break;
      case 'End': next = n - 1; break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        this.cb.onSelect(this.rows[this.order[this.cursor]].name);
        return;
      default:
        return;
    }
    e.preventDefault();
    this.cursor = next;
    this.scrollToCursor();
    this.rendered = { first: -1, last: -1 };
    this.renderNow();
  }

  private scrollToCursor(): void {
    const top = this.cursor * ROW_HEIGHT;
    const h = this.viewport.clientHeight;
    if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
    else if (top + ROW_HEIGHT > this.viewport.scrollTop + h) this.viewport.scrollTop = top + ROW_HEIGHT - h;
  }

  private renderNow(): void {
    const n = this.order.length;
    const h = this.viewport.clientHeight || 400;
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(n, Math.ceil((this.viewport.scrollTop + h) / ROW_HEIGHT) + OVERSCAN);
    if (first === this.rendered.first && last === this.rendered.last) return;
    this.rendered = { first, last };
    this.body.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    const frag = document.createDocumentFragment();
    let activeId = '';
    for (let pos = first; pos < last; pos++) {
      const r = this.rows[this.order[pos]];
      const rowEl = document.createElement('div');
      rowEl.className = 'row';
      rowEl.id = `row-${pos}`;
      rowEl.setAttribute('role', 'row');
      rowEl.setAttribute('aria-rowindex', String(pos + 2));
      rowEl.dataset.pos = String(pos);
      rowEl.dataset.name = r.name;
      if (r.overridden) rowEl.classList.add('overridden');
      if (r.pinnedFirstLast) rowEl.classList.add('pinned');
      if (r.name === this.selected) {
        rowEl.classList.add('selected');
        rowEl.setAttribute('aria-selected', 'true');
      }
      if (pos === this.cursor) {
        rowEl.classList.add('cursor');
        activeId = rowEl.id;
      }
      for (const [i, c] of COLUMNS.entries()) {
        const cell = document.createElement('div');
        cell.className = 'cell' + (c.numeric ? ' num' : '') + ` c-${c.label.replace(/[^a-z]/gi, '').toLowerCase() || 'idx'}`;
        cell.setAttribute('role', 'gridcell');
        cell.setAttribute('aria-colindex', String(i + 1));
        let text = c.cell(r);
        if (c.key === 'method' && r.overridden) text += ' ✎';
        else if (c.key === 'method' && r.pinnedFirstLast) text += ' ⚓';
        cell.textContent = text;
        if (c.key === 'name') cell.title = r.name;
        else if (c.key === 'params' || c.key === 'macs') cell.title = (c.key === 'params' ? r.params : r.macs)?.toLocaleString('en-US') ?? '';
        rowEl.append(cell);
      }
      if (r.overridden) rowEl.title = 'Overridden by you (sticks through re-plans)';
      else if (r.pinnedFirstLast) rowEl.title = 'Kept at int8 (keep first/last layer)';
      frag.append(rowEl);
    }
    this.body.replaceChildren(frag);
    if (activeId) this.viewport.setAttribute('aria-activedescendant', activeId);
    else this.viewport.removeAttribute('aria-activedescendant');
  }
}
