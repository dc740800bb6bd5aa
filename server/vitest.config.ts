import { nexusProject } from '../vitest.shared.js';

export default nexusProject('server');
