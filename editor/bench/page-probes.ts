/**
 * Code that runs inside the page. Each function is serialized by playwright and must not refer to
 * anything outside itself. Times are `performance.now()`: milliseconds since navigation start.
 */

/** When the canvas showed the flow, in ms since navigation start (undefined: not yet). */
export interface RenderMarks {
  /** The first `.react-flow__node` is in the DOM. */
  firstNode?: number;
  /** Every node of the flow is in the DOM and none is still hidden waiting for its measurement. */
  allNodes?: number;
  /** The canvas says React Flow has measured its nodes (`data-ready="true"`). */
  ready?: number;
  /** The first animation frame after `ready`: the frame that paints that state. */
  readyPainted?: number;
}

interface ProbeWindow {
  __benchMarks?: RenderMarks;
  __benchFrames?: { deltas: number[]; recording: boolean };
}

/**
 * tsx compiles with esbuild's keepNames, which wraps inner functions in `__name(fn, "name")`; the
 * page has no such helper, so the first init script gives it one.
 */
export const NAME_SHIM = 'globalThis.__name = globalThis.__name || ((fn) => fn);';

/**
 * Init script: watches the DOM from the very start of a flow page and stamps `RenderMarks`.
 * A MutationObserver sees each change as it lands, not on the next poll.
 */
export function watchFirstRender(expectedNodes: number): void {
  if (!location.hash.includes('/flows/')) return;
  const marks: RenderMarks = {};
  (window as unknown as ProbeWindow).__benchMarks = marks;
  const allShown = (nodes: NodeListOf<HTMLElement>) => {
    if (nodes.length < expectedNodes) return false;
    for (const node of nodes) if (node.style.visibility === 'hidden') return false;
    return true;
  };
  const check = () => {
    const now = performance.now();
    const nodes = document.querySelectorAll<HTMLElement>('.react-flow__node');
    if (marks.firstNode === undefined && nodes.length > 0) marks.firstNode = now;
    if (marks.allNodes === undefined && allShown(nodes)) marks.allNodes = now;
    if (marks.ready === undefined && document.querySelector('[data-testid="canvas"][data-ready="true"]') !== null) {
      marks.ready = now;
      requestAnimationFrame(() => {
        marks.readyPainted = performance.now();
        observer.disconnect(); // watching on would weigh on the gestures measured next
      });
    }
    if (marks.firstNode !== undefined && marks.allNodes !== undefined && marks.ready !== undefined) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-ready', 'style'] });
}

/** The marks so far, once the ready state has been painted (undefined until then). */
export function readMarks(): RenderMarks | undefined {
  const marks = (window as unknown as ProbeWindow).__benchMarks;
  return marks?.readyPainted === undefined ? undefined : { ...marks };
}

/** Starts collecting the time between animation frames. */
export function startFrameRecorder(): void {
  const recorder = { deltas: [] as number[], recording: true };
  (window as unknown as ProbeWindow).__benchFrames = recorder;
  let last: number | undefined;
  const tick = (now: number) => {
    if (last !== undefined) recorder.deltas.push(now - last);
    last = now;
    if (recorder.recording) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

/** Stops the recorder; answers the frame deltas in ms. */
export function stopFrameRecorder(): number[] {
  const recorder = (window as unknown as ProbeWindow).__benchFrames;
  if (recorder === undefined) return [];
  recorder.recording = false;
  return recorder.deltas;
}

/** A point of the bare pane (no node, edge, panel or minimap over it), near the canvas centre. */
export function emptyPanePoint(): { x: number; y: number } | undefined {
  const pane = document.querySelector('.react-flow__pane')?.getBoundingClientRect();
  if (pane === undefined) return undefined;
  const cx = pane.left + pane.width / 2;
  const cy = pane.top + pane.height / 2;
  let best: { x: number; y: number; d: number } | undefined;
  for (let y = pane.top + 60; y < pane.bottom - 60; y += 11) {
    for (let x = pane.left + 60; x < pane.right - 60; x += 11) {
      if (document.elementFromPoint(x, y)?.classList.contains('react-flow__pane') !== true) continue;
      const d = Math.hypot(x - cx, y - cy);
      if (best === undefined || d < best.d) best = { x, y, d };
    }
  }
  return best === undefined ? undefined : { x: best.x, y: best.y };
}

/** The centre of the on-screen node nearest the canvas centre whose body is not covered. */
export function draggableNodePoint(): { x: number; y: number; id: string } | undefined {
  const pane = document.querySelector('.react-flow__pane')?.getBoundingClientRect();
  if (pane === undefined) return undefined;
  const cx = pane.left + pane.width / 2;
  const cy = pane.top + pane.height / 2;
  let best: { x: number; y: number; id: string; d: number } | undefined;
  for (const node of document.querySelectorAll<HTMLElement>('.react-flow__node')) {
    const box = node.getBoundingClientRect();
    const x = box.left + box.width / 2;
    const y = box.top + box.height / 2;
    const hit = document.elementFromPoint(x, y);
    // The body, not a port handle (a drag from a handle draws an edge instead).
    if (hit === null || hit.closest('.react-flow__node') !== node || hit.closest('.react-flow__handle') !== null) continue;
    const d = Math.hypot(x - cx, y - cy);
    if (best === undefined || d < best.d) best = { x, y, id: node.dataset.id ?? '', d };
  }
  return best === undefined ? undefined : { x: best.x, y: best.y, id: best.id };
}

/** The viewport's transform and zoom, to tell that a gesture moved something. */
export function viewportTransform(): string {
  return document.querySelector<HTMLElement>('.react-flow__viewport')?.style.transform ?? '';
}

/** A node's transform (its position on the canvas). */
export function nodeTransform(id: string): string {
  return document.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(id)}"]`)?.style.transform ?? '';
}
