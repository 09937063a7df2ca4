/**
 * Picks a sender implementation: the raw socket sender for closed-loop clients on plain http (the
 * cheapest per request), undici for pools (open-model schedules) and for https. undici is loaded
 * only when it is used.
 */
import type { HttpClientKind, MessageSender, SenderProperties } from './sender.js';
import { SocketSender } from './socket-sender.js';

/** A sender for `url`; `socket` falls back to undici where it does not apply (https, pools). */
export async function createSender(client: HttpClientKind, properties: Partial<SenderProperties>, url: string): Promise<MessageSender> {
  const plainHttp = /^http:/i.test(url);
  if (client === 'socket' && plainHttp && (properties.connections ?? 1) === 1) return new SocketSender(properties);
  const { UndiciSender } = await import('./http-sender.js');
  return new UndiciSender(properties);
}
