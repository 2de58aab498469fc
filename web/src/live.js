// The live event stream (SSE at /api/v1/events). The browser reconnects by itself; a
// `resync` event means events were missed and everything is reloaded.
export const LIVE_KINDS = ['observation', 'warning', 'fault', 'record', 'report', 'incident', 'timeline', 'order', 'team', 'resync',
  'routing.closure.created', 'routing.closure.deleted',
  // cap-api's release steps (public events: the public page hears them without signing in).
  'public_warning.published', 'public_warning.cancelled'];

export function subscribe(handlers, onStatus) {
  const source = new EventSource('/api/v1/events', { withCredentials: true });
  for (const kind of LIVE_KINDS) {
    source.addEventListener(kind, (message) => {
      let event = null;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      const data = kind === 'resync' ? event : event.data ?? {};
      (handlers[kind] ?? handlers.other)?.(data, event, kind);
    });
  }
  source.onopen = () => onStatus(true);
  source.onerror = () => onStatus(false);
  return source;
}
