import { memo, useState } from 'react';
import type { PlacedProblem } from './problems.js';

export interface ProblemsListProps {
  problems: readonly PlacedProblem[];
  /** Selects the node or edge of a problem (and its field, in the inspector). */
  onPick: (problem: PlacedProblem) => void;
}

/** Most problems drawn at once; a flow that broke everywhere still opens quickly. */
const SHOWN = 200;

/** The flow's problems from live validation; each one selects what it is about. */
function ProblemsListImpl({ problems, onPick }: ProblemsListProps) {
  const [open, setOpen] = useState(true);
  return (
    <section className={problems.length === 0 ? 'problems problems-none' : 'problems'} aria-label="Problems" data-testid="problems">
      <button type="button" className="problems-toggle" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="problems-count">
        {problems.length === 0 ? 'No problems' : `${problems.length} problem${problems.length === 1 ? '' : 's'}`}
      </button>
      {open && problems.length > 0 && (
        <ol className="problems-list" data-testid="problems-list">
          {problems.slice(0, SHOWN).map((problem, i) => (
            <li key={`${problem.pointer}-${i}`}>
              <button type="button" onClick={() => onPick(problem)} data-testid={`problem-${i}`} title="Show where">
                <code>{problem.nodeId ?? problem.edgeId ?? (problem.pointer || '/')}</code>
                {problem.field !== undefined && <code className="problem-field">{problem.field}</code>}
                <span>{problem.message}</span>
              </button>
            </li>
          ))}
          {problems.length > SHOWN && <li className="problems-more">and {problems.length - SHOWN} more</li>}
        </ol>
      )}
    </section>
  );
}

export const ProblemsList = memo(ProblemsListImpl);
