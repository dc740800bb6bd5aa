export { FLOW_FORMAT } from '@nexusflow/schemas';
