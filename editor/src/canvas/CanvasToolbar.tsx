import { Panel } from '@xyflow/react';
import { SHORTCUTS } from './shortcuts.js';

export interface CanvasToolbarProps {
  canUndo: boolean;
  canRedo: boolean;
  /** What a long action is doing now ("Arranging…"), which also disables it. */
  busy: string | undefined;
  onUndo: () => void;
  onRedo: () => void;
  onArrange: () => void;
  onFit: () => void;
}

/** Undo, redo, arrange and fit over the canvas, and the list of keyboard shortcuts. */
export function CanvasToolbar({ canUndo, canRedo, busy, onUndo, onRedo, onArrange, onFit }: CanvasToolbarProps) {
  return (
    <Panel position="top-left" className="canvas-toolbar">
      <button type="button" onClick={onUndo} disabled={!canUndo} title="Undo (Ctrl/⌘ Z)" data-testid="canvas-undo">
        Undo
      </button>
      <button type="button" onClick={onRedo} disabled={!canRedo} title="Redo (Ctrl/⌘ Shift Z)" data-testid="canvas-redo">
        Redo
      </button>
      <button type="button" onClick={onArrange} disabled={busy !== undefined} title="Arrange automatically (Shift L)" data-testid="canvas-layout">
        {busy ?? 'Arrange'}
      </button>
      <button type="button" onClick={onFit} title="Zoom to fit (F)" data-testid="canvas-fit">
        Fit
      </button>
      <details className="canvas-shortcuts">
        <summary title="Keyboard shortcuts">?</summary>
        <dl>
          {SHORTCUTS.map((s) => (
            <div key={s.keys}>
              <dt>{s.keys}</dt>
              <dd>{s.action}</dd>
            </div>
          ))}
        </dl>
      </details>
    </Panel>
  );
}
