// Events: LAST SEEN TYPE REASON OBJECT MESSAGE | SUBOBJECT SOURCE FIRST SEEN COUNT NAME
// (upstream printEvent). events.k8s.io/v1 Events print through the same core shape, as
// upstream converts both to its internal Event first.
import { eventsV1ToCore } from '../../api/conversion/events.js';
import { definePrinter, nameCol, str } from './columns.js';
import { since, timestampMs } from './time.js';
import type { KubeObject, PrinterRegistration } from './types.js';

/** formatEventSource: component (or reporting controller), then ", host" (or instance) when set. */
function eventSource(ev: KubeObject): string {
  const component: string = ev.source?.component || ev.reportingComponent || '';
  const host: string = ev.source?.host || ev.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}

function eventCells(ev: KubeObject, now: number): unknown[] {
  const first = timestampMs(ev.firstTimestamp) === undefined ? since(ev.eventTime, now) : since(ev.firstTimestamp, now);
  let last = timestampMs(ev.lastTimestamp) === undefined ? first : since(ev.lastTimestamp, now);
  let count: number = typeof ev.count === 'number' ? ev.count : 0;
  if (ev.series) {
    last = since(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) {
    // Singleton events don't have a count set in the new API.
    count = 1;
  }
  const involved = ev.involvedObject ?? {};
  const kind = String(involved.kind ?? '').toLowerCase();
  const target = involved.name ? `${kind}/${involved.name}` : kind;
  return [
    last,
    ev.type ?? '',
    ev.reason ?? '',
    target,
    involved.fieldPath ?? '',
    eventSource(ev),
    String(ev.message ?? '').trim(),
    first,
    count,
    ev.metadata?.name,
  ];
}

const columns = [
  str('Last Seen', ['core.v1.Event', 'lastTimestamp']),
  str('Type', ['core.v1.Event', 'type']),
  str('Reason', ['core.v1.Event', 'reason']),
  str('Object', ['core.v1.Event', 'involvedObject']),
  str('Subobject', ['core.v1.ObjectReference', 'fieldPath'], 1),
  str('Source', ['core.v1.Event', 'source'], 1),
  str('Message', ['core.v1.Event', 'message']),
  str('First Seen', ['core.v1.Event', 'firstTimestamp'], 1),
  str('Count', ['core.v1.Event', 'count'], 1),
  { ...nameCol, priority: 1 },
];

export const eventPrinter = definePrinter(columns, eventCells);

export const eventsV1Printer = definePrinter(columns, (ev, now) =>
  eventCells(ev.apiVersion === 'v1' ? ev : eventsV1ToCore(ev), now),
);

export const eventPrinters: PrinterRegistration[] = [
  { group: '', resource: 'events', printer: eventPrinter },
  { group: 'events.k8s.io', resource: 'events', printer: eventsV1Printer },
];
