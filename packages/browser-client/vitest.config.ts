import { meerkatProject } from '../../vitest.shared.js';

export default meerkatProject('browser-client');
