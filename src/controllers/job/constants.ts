// Names the batch/v1 API and upstream's job and cronjob controllers give to labels,
// annotations, finalizers, condition types and reasons (k8s.io/api/batch/v1 types.go, 1.30).

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** As the PodIndexLabel feature (beta, on in 1.30): the index is a label too. */
export const JOB_COMPLETION_INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export const JOB_COMPLETE = 'Complete';
export const JOB_FAILED = 'Failed';
export const JOB_SUSPENDED = 'Suspended';
/** The interim condition a FailJob pod failure policy rule sets before the pods' finalizers go. */
export const JOB_FAILURE_TARGET = 'FailureTarget';

export const REASON_BACKOFF_LIMIT_EXCEEDED = 'BackoffLimitExceeded';
export const REASON_DEADLINE_EXCEEDED = 'DeadlineExceeded';
export const REASON_POD_FAILURE_POLICY = 'PodFailurePolicy';

export const MESSAGE_BACKOFF_LIMIT_EXCEEDED = 'Job has reached the specified backoff limit';
export const MESSAGE_DEADLINE_EXCEEDED = 'Job was active longer than specified deadline';

export const JOB_CONTROLLER_COMPONENT = 'job-controller';
export const CRONJOB_CONTROLLER_COMPONENT = 'cronjob-controller';
