import { serviceTestConfig } from '../devkit/vitest.shared.ts';

export default serviceTestConfig();
