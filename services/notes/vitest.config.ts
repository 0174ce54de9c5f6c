import { serviceTestConfig } from '../platform/vitest.shared.ts';

export default serviceTestConfig();
