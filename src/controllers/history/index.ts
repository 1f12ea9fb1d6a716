// Shared by the DaemonSet and StatefulSet controllers: ControllerRevisions and claiming.
export * from './controller-revision.js';
export * from './controller-ref.js';
export * from './pod-readiness.js';
export * from './int-or-percent.js';
