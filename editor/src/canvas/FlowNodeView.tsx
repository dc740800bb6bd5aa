import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import type { CanvasNode } from './graph.js';
import { colourOf, NodeIcon } from './icons.js';
import { pluginOf } from './ids.js';
import { ERROR_PORT } from './types.js';

/**
 * One node on the canvas: a header with its icon, title and id, a line of its config, one input
 * handle on the left and one handle per output port on the right, the error port last.
 */
function FlowNodeViewImpl({ id, data, selected }: NodeProps<CanvasNode>) {
  const ports = [...data.ports, ERROR_PORT];
  const classes = ['flow-node', selected ? 'is-selected' : '', data.active ? 'is-active' : '', data.problems.length > 0 ? 'has-problems' : '', data.unknown ? 'is-unknown' : '', data.runState !== undefined ? `run-${data.runState}` : '']
    .filter((c) => c !== '')
    .join(' ');
  return (
    <div className={classes} data-testid={`node-${id}`} data-active={data.active ? 'true' : 'false'} data-problems={data.problems.length} style={{ '--node-accent': colourOf(data.category) } as React.CSSProperties}>
      <Handle type="target" position={Position.Left} id="in" className="flow-handle flow-handle-in" data-testid={`handle-in-${id}`} />
      <header className="flow-node-header">
        <span className="flow-node-icon" aria-hidden="true">
          <NodeIcon icon={data.icon} />
        </span>
        <span className="flow-node-title">{data.label ?? data.title}</span>
        {data.problems.length > 0 && (
          <span className="flow-node-problems" title={data.problems.join('\n')} aria-label={`${data.problems.length} problems`}>
            {data.problems.length}
          </span>
        )}
      </header>
      <div className="flow-node-body">
        <code className="flow-node-id">{id}</code>
        {data.unknown ? (
          <span className="flow-node-summary flow-node-missing">plugin “{pluginOf(data.type)}” is not installed</span>
        ) : (
          data.summary !== '' && <span className="flow-node-summary">{data.summary}</span>
        )}
      </div>
      <ul className="flow-node-ports">
        {ports.map((port) => (
          <li key={port} className={port === ERROR_PORT ? 'flow-port flow-port-error' : 'flow-port'}>
            <span className="flow-port-name">{port}</span>
            <Handle type="source" position={Position.Right} id={port} className="flow-handle flow-handle-out" data-testid={`handle-out-${id}-${port}`} />
          </li>
        ))}
      </ul>
    </div>
  );
}

export const FlowNodeView = memo(FlowNodeViewImpl);

/** Created once, outside render, as React Flow asks. */
export const NODE_TYPES = { flow: FlowNodeView };
