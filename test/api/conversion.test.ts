import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hpaConditionsAnnotation, hpaMetricsAnnotation } from '../../src/api/conversion/hpa.js';
import { findKindByKind } from '../../src/api/registry.js';

const hpaV1 = findKindByKind('autoscaling/v1', 'HorizontalPodAutoscaler')!;
const eventsV1 = findKindByKind('events.k8s.io/v1', 'Event')!;

test('HPA v1 target CPU becomes a v2 resource metric and back', () => {
  const v1 = {
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
    status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 40 },
  };
  const v2 = hpaV1.toStorage!(v1);
  assert.equal(v2.apiVersion, 'autoscaling/v2');
  assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
  assert.deepEqual(v2.status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 40 } } }]);
  assert.deepEqual(hpaV1.fromStorage!(v2), v1);
});

test('HPA v1 without a target is stored with the default 80% CPU', () => {
  const v2 = hpaV1.toStorage!({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3 } });
  assert.equal(v2.spec.metrics[0].resource.target.averageUtilization, 80);
  assert.equal(v2.spec.minReplicas, 1);
  assert.equal(hpaV1.fromStorage!(v2).spec.targetCPUUtilizationPercentage, 80);
});

test('v2-only metrics and conditions survive a v1 round trip in annotations', () => {
  const v2 = {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'default' },
    spec: {
      scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }],
    },
    status: { currentReplicas: 1, desiredReplicas: 1, conditions: [{ type: 'AbleToScale', status: 'True' }] },
  };
  const v1 = hpaV1.fromStorage!(v2);
  assert.equal(v1.spec.targetCPUUtilizationPercentage, undefined);
  assert.ok(v1.metadata!.annotations[hpaMetricsAnnotation]);
  assert.ok(v1.metadata!.annotations[hpaConditionsAnnotation]);
  assert.deepEqual(hpaV1.toStorage!(v1), v2);
});

test('events.k8s.io/v1 Event maps onto core/v1 Event fields and back', () => {
  const ev = {
    apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' },
    eventTime: '2024-01-01T00:00:00.000000Z', reportingController: 'kubelet', reportingInstance: 'node-a', action: 'Pull',
    reason: 'Pulled', type: 'Normal', note: 'pulled image', regarding: { kind: 'Pod', name: 'web', namespace: 'default' },
    deprecatedCount: 2, deprecatedFirstTimestamp: '2024-01-01T00:00:00Z', deprecatedSource: { component: 'kubelet' },
  };
  const core = eventsV1.toStorage!(ev);
  assert.equal(core.apiVersion, 'v1');
  assert.equal(core.message, 'pulled image');
  assert.deepEqual(core.involvedObject, ev.regarding);
  assert.equal(core.count, 2);
  assert.equal(core.firstTimestamp, ev.deprecatedFirstTimestamp);
  assert.equal(core.reportingComponent, 'kubelet');
  assert.deepEqual(core.source, { component: 'kubelet' });
  assert.deepEqual(eventsV1.fromStorage!(core), ev);
  assert.equal(eventsV1.fieldSelectors!['involvedObject.name']!(ev), 'web');
  assert.equal(eventsV1.fieldSelectors!['reason']!(core), 'Pulled');
});
