export {
  SimRuntime, behaviourFromAnnotations, builtinExec, SIM_ANNOTATION_EXIT_AFTER_MS, SIM_ANNOTATION_EXIT_CODE,
  SIM_ANNOTATION_IGNORE_SIGTERM, SIM_ANNOTATION_STDERR, SIM_ANNOTATION_STDOUT,
} from './sim-runtime.js';
export type { SimBehaviour, SimRuntimeOptions } from './sim-runtime.js';
