/**
 * Realtime sessions report failures as server events on a connection that stays open: an `error`
 * event (most leave the session usable) and a `response.done` whose response failed. openai's
 * Realtime clients (OpenAIRealtimeWebSocket, OpenAIRealtimeWS) are event emitters, so the helper
 * here listens rather than iterating, and it never ends the session: it reports.
 */
import { failureIn, type RaiseOptions, type RaisingRegistry } from './classify.js';

/** The events onRealtimeFailure listens to. */
export type RealtimeEventName = 'error' | 'response.done';

/**
 * A Realtime connection as onRealtimeFailure uses it: openai's OpenAIRealtimeWebSocket and
 * OpenAIRealtimeWS (openai 5, 6 and 7), or any emitter of the same server events.
 */
export interface RealtimeConnection {
  /** Adds a listener for a server event (openai's clients: `rt.on('error', ...)`). */
  on(event: RealtimeEventName, listener: (payload: unknown) => void): unknown;
  /** Removes it again; without `off`, stopping leaves the listeners in place. */
  off?(event: RealtimeEventName, listener: (payload: unknown) => void): unknown;
}

/**
 * The server's error event an `error` payload carries: openai's clients emit an
 * OpenAIRealtimeError holding the event's `error` and `event_id`; other emitters pass the event.
 * Undefined for the connection's own trouble (no server event).
 */
function serverErrorEvent(payload: unknown): unknown {
  if (payload === null || typeof payload !== 'object') return undefined;
  const p = payload as { type?: unknown; error?: unknown; event_id?: unknown };
  if (p.type === 'error' && !(payload instanceof Error)) return payload;
  if (p.error !== null && typeof p.error === 'object' && typeof p.event_id === 'string') return { type: 'error', event_id: p.event_id, error: p.error };
  return undefined;
}

/**
 * Calls `listener` with the registry's typed error for every failure the connection reports (an
 * `error` server event, a `response.done` whose response failed, or with raiseOnIncomplete one
 * that is incomplete), and with the original error for the connection's own trouble, so that
 * listening here never hides an error openai would otherwise surface. Returns a function that
 * stops listening.
 */
export function onRealtimeFailureIn(registry: RaisingRegistry, connection: RealtimeConnection, listener: (error: Error) => void, options?: RaiseOptions): () => void {
  if (connection === null || typeof connection !== 'object' || typeof connection.on !== 'function') throw new TypeError('onRealtimeFailure: connection must have on(event, listener), as openai\'s Realtime clients do');
  if (typeof listener !== 'function') throw new TypeError('onRealtimeFailure: listener must be a function');
  const onError = (payload: unknown) => {
    const event = serverErrorEvent(payload);
    const failure = event === undefined ? undefined : failureIn(registry, event, options);
    if (failure !== undefined) listener(failure);
    else listener(payload instanceof Error ? payload : new Error(`Realtime connection error: ${String(payload)}`));
  };
  const onDone = (event: unknown) => {
    const failure = failureIn(registry, event, options);
    if (failure !== undefined) listener(failure);
  };
  connection.on('error', onError);
  connection.on('response.done', onDone);
  return () => {
    connection.off?.('error', onError);
    connection.off?.('response.done', onDone);
  };
}
