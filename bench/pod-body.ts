// A realistic pod manifest (~1 KiB of JSON), as a deployment's pod template would produce.

export function podManifest(name: string, namespace: string, annotations: Record<string, string> = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { app: 'bench', tier: 'backend', 'app.kubernetes.io/version': '1.2.3' },
      annotations: { 'bench.coxswain.dev/owner': 'team-a', ...annotations },
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/team/app:1.2.3',
          args: ['--port=8080', '--log-level=info'],
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          env: Array.from({ length: 5 }, (_, i) => ({ name: `SETTING_${i}`, value: `value-${i}-${name}` })),
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
          volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'app-config' } }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
    },
  };
}
