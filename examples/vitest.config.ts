import { nexusProject } from '../vitest.shared.js';

const project = nexusProject('examples');
project.test = { ...project.test, include: ['test/**/*.test.ts', 'plugins/*/test/**/*.test.ts'] };
export default project;
