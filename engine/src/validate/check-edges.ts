import type { FlowDocument, ValidationIssue } from '@nexusflow/schemas';
import type { NodeFacts } from './check-nodes.js';
import { ERROR_PORT } from '../nodes/native-types.js';

/**
 * Edge ids, both ends, the source port, and one edge per output port. Also returns the edges that
 * lead nowhere real (a missing node or port), which the cycle check leaves out.
 */
export function checkEdges(flow: FlowDocument, facts: NodeFacts): { issues: ValidationIssue[]; broken: Set<number> } {
  const issues: ValidationIssue[] = [];
  const broken = new Set<number>();
  const edgeIndexById = new Map<string, number>();
  const edgeIndexByPort = new Map<string, number>();
  flow.edges.forEach((edge, i) => {
    const at = `/edges/${i}`;
    const sameId = edgeIndexById.get(edge.id);
    if (sameId === undefined) edgeIndexById.set(edge.id, i);
    else {
      issues.push({
        code: 'duplicate_edge_id',
        pointer: `${at}/id`,
        message: `edge id "${edge.id}" is already used by /edges/${sameId}; give every edge its own id`,
      });
    }
    const source = facts.indexById.get(edge.source);
    if (source === undefined) {
      issues.push({
        code: 'dangling_edge',
        pointer: `${at}/source`,
        message: `edge "${edge.id}" starts at node "${edge.source}", which does not exist; connect it to an existing node or delete the edge`,
      });
    }
    if (!facts.indexById.has(edge.target)) {
      broken.add(i);
      issues.push({
        code: 'dangling_edge',
        pointer: `${at}/target`,
        message: `edge "${edge.id}" leads to node "${edge.target}", which does not exist; connect it to an existing node or delete the edge`,
      });
    }
    if (source === undefined) {
      broken.add(i);
      return;
    }
    const ports = facts.ports[source];
    if (ports !== undefined && edge.port !== ERROR_PORT && !ports.has(edge.port)) {
      issues.push({ code: 'unknown_port', pointer: `${at}/port`, message: unknownPortMessage(flow, source, edge.port, ports) });
      broken.add(i);
      return;
    }
    const portKey = `${edge.source}\u0000${edge.port}`;
    const taken = edgeIndexByPort.get(portKey);
    if (taken === undefined) edgeIndexByPort.set(portKey, i);
    else {
      issues.push({
        code: 'port_already_connected',
        pointer: `${at}/port`,
        message: `port "${edge.port}" of node "${edge.source}" already has edge "${flow.edges[taken]?.id ?? ''}" (/edges/${taken}); a port leads to one node, so chain the nodes or add a core/branch`,
      });
    }
  });
  return { issues, broken };
}

function unknownPortMessage(flow: FlowDocument, source: number, port: string, ports: ReadonlySet<string>): string {
  const node = flow.nodes[source] as { id: string; type: string };
  const listed = [...ports].map((p) => `"${p}"`);
  const offer =
    listed.length === 0
      ? `its only port is "${ERROR_PORT}", which every node has`
      : `its ports are ${listed.join(', ')} and "${ERROR_PORT}", which every node has`;
  return `node "${node.id}" (${node.type}) has no port "${port}"; ${offer}`;
}
