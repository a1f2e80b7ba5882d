// Owns the metav1.Status error shape and the JSON response writers every endpoint uses.
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ResourceAttributes } from './auth.js';

export interface StatusJson {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; causes?: Array<{ reason?: string; message?: string; field?: string }> };
  code: number;
}

/** A Status object exactly as the API server serialises it (field order included). */
export function statusBody(code: number, reason: string, message: string, details?: StatusJson['details']): StatusJson {
  const s: StatusJson = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) {
    delete (s as Partial<StatusJson>).code;
    s.details = details;
    s.code = code;
  }
  return s;
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

export function sendStatus(res: ServerResponse, code: number, reason: string, message: string, details?: StatusJson['details']): void {
  sendJson(res, code, statusBody(code, reason, message, details));
}

/** The same Status response written by hand onto a raw (not yet upgraded) socket, then the socket is ended. */
export function writeStatusToSocket(socket: Duplex, code: number, reason: string, message: string, details?: StatusJson['details']): void {
  if (socket.destroyed) return;
  const text = JSON.stringify(statusBody(code, reason, message, details));
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Unknown'}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(text)}\r\nCache-Control: no-cache, private\r\nConnection: close\r\n\r\n${text}`,
  );
}

/** responsewriters.Forbidden's message: `pods "web" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "shop"`. */
export function forbiddenMessage(user: string, a: ResourceAttributes): string {
  const res = a.group ? `${a.resource}.${a.group}` : a.resource;
  const subject = a.name ? `${res} "${a.name}"` : res;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const full = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return `${subject} is forbidden: User "${user}" cannot ${a.verb} resource "${full}" in API group "${a.group ?? ''}" ${scope}`;
}
