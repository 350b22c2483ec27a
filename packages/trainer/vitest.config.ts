import { meerkatProject } from '../../vitest.shared.js';

export default meerkatProject('trainer');
