import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import {
  DEFAULT_CLASS_ANNOTATION, INGRESS_CONTROLLER_NAME, IngressClassFilter, defaultClassName, defaultIngressClass,
} from '../../src/ingress/ingress-class.js';

function cls(name: string, controller: string, isDefault = false, created = '2024-01-01T00:00:00Z'): IngressClass {
  return {
    metadata: { name, creationTimestamp: created, ...(isDefault ? { annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } } : {}) },
    spec: { controller },
  };
}

function ing(className?: string, annotation?: string): Ingress {
  return {
    metadata: { name: 'i', namespace: 'default', ...(annotation ? { annotations: { 'kubernetes.io/ingress.class': annotation } } : {}) },
    spec: { ...(className ? { ingressClassName: className } : {}), defaultBackend: { service: { name: 's', port: { number: 80 } } } },
  };
}

describe('IngressClassFilter', () => {
  it('the class we create is ours and the default', () => {
    const c = defaultIngressClass('coxswain');
    assert.equal(c.spec?.controller, INGRESS_CONTROLLER_NAME);
    assert.equal(c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION], 'true');
  });

  const classes = [cls('coxswain', INGRESS_CONTROLLER_NAME, true), cls('nginx', 'k8s.io/ingress-nginx')];
  const cases: [string, IngressClass[], Ingress, boolean][] = [
    ['an Ingress naming our class', classes, ing('coxswain'), true],
    ['an Ingress naming another class', classes, ing('nginx'), false],
    ['an Ingress naming a class that does not exist', classes, ing('missing'), false],
    ['an Ingress without a class while ours is the default', classes, ing(), true],
    ['an Ingress without a class while another is the default', [cls('coxswain', INGRESS_CONTROLLER_NAME), cls('nginx', 'k8s.io/ingress-nginx', true)], ing(), false],
    ['an Ingress without a class and no default class', [cls('coxswain', INGRESS_CONTROLLER_NAME)], ing(), false],
    ['the deprecated annotation naming our class', classes, ing(undefined, 'coxswain'), true],
    ['the deprecated annotation naming another class', classes, ing(undefined, 'nginx'), false],
    ['a class named like ours but with another controller', [cls('coxswain', 'example.com/other', true)], ing('coxswain'), false],
  ];
  for (const [name, cs, i, want] of cases) {
    it(name, () => assert.equal(new IngressClassFilter(cs).serves(i), want));
  }

  it('with several default classes the newest is the default, as upstream admission picks', () => {
    assert.equal(defaultClassName([cls('old', 'x', true, '2024-01-01T00:00:00Z'), cls('new', 'y', true, '2024-06-01T00:00:00Z')]), 'new');
  });
});
