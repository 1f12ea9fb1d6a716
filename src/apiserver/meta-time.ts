// metav1.Time as JSON: RFC 3339 to the second ("2024-05-01T10:00:00Z"). The server writes it
// several times per request (creationTimestamp, managedFields times, conditions), and within
// one second the text is the same, so the last one is kept.

let lastSecond = Number.NaN;
let lastText = '';

export function metaTimeText(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastSecond) {
    // An invalid date gives NaN, never equal: toISOString throws as it did before.
    lastText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
    lastSecond = second;
  }
  return lastText;
}
