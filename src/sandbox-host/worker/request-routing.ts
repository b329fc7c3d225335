import type { CapabilityRequest, ProgressReport } from '../protocol.js';

/**
 * Where capability requests and progress reports go out and answers come in (guest-requests.ts,
 * guest-progress.ts). Apart from them so
 * that the process's entry (main.ts) can route messages before isolated-vm is loaded.
 */

/** Calls of this process waiting for answers, by job id: where a `response` message goes. */
export const waiting = new Map<number, (requestId: number, ok: boolean, body: string) => void>();

let sender: (message: CapabilityRequest | ProgressReport) => void = () => undefined;

/** How requests and reports reach the supervisor (main.ts sets it: process.send). */
export function setRequestSender(send: (message: CapabilityRequest | ProgressReport) => void): void {
  sender = send;
}

export function sendRequest(request: CapabilityRequest): void {
  sender(request);
}

export function sendProgress(report: ProgressReport): void {
  sender(report);
}

/** A `response` message from the supervisor: delivered to its call if that call still runs here. */
export function deliverResponse(jobId: unknown, requestId: unknown, ok: unknown, body: unknown): void {
  if (typeof jobId !== 'number' || typeof requestId !== 'number' || typeof body !== 'string') return;
  waiting.get(jobId)?.(requestId, ok === true, body);
}
