// Names and defaults the kubelet shares with upstream: annotations it puts on containers (so a
// restarted kubelet can rebuild what it knows from the runtime), static-pod annotations, and
// the versions and periods it reports.

export const KUBELET_VERSION = 'v1.30.0';

/** Annotations on runtime containers, as upstream kuberuntime's labels.go. */
export const ANNOTATION_CONTAINER_HASH = 'io.kubernetes.container.hash';
export const ANNOTATION_CONTAINER_RESTART_COUNT = 'io.kubernetes.container.restartCount';
export const ANNOTATION_POD_TERMINATION_GRACE = 'io.kubernetes.pod.terminationGracePeriod';
export const ANNOTATION_CONTAINER_TYPE = 'io.kubernetes.container.type';

/** Static pods (upstream pkg/kubelet/types). */
export const ANNOTATION_CONFIG_SOURCE = 'kubernetes.io/config.source';
export const ANNOTATION_CONFIG_HASH = 'kubernetes.io/config.hash';
export const ANNOTATION_CONFIG_MIRROR = 'kubernetes.io/config.mirror';
export const ANNOTATION_CONFIG_SEEN = 'kubernetes.io/config.seen';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;
/** Upstream: renew every quarter of the lease duration. */
export const LEASE_RENEW_INTERVAL_MS = 10_000;
/** Upstream nodeStatusUpdateFrequency. */
export const NODE_STATUS_UPDATE_MS = 10_000;
/** Upstream nodeStatusReportFrequency: post an unchanged status at least this often. */
export const NODE_STATUS_REPORT_MS = 5 * 60_000;
/** Upstream PLEG relist period. */
export const PLEG_RELIST_MS = 1000;
/** Upstream syncFrequency: every pod is synced at least this often. */
export const POD_RESYNC_MS = 60_000;
/** Upstream minimumGracePeriodInSeconds for killing a container. */
export const MINIMUM_GRACE_SECONDS = 2;
export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;
/** Upstream maxPods default. */
export const DEFAULT_MAX_PODS = 110;
