import { parentPort } from 'node:worker_threads';
import type { Transport } from '../../delivery/send-result.js';
import type { StoredEvent } from '../../domain/event.js';
import type { StreamFormat } from '../../export/formats/stream-format.js';
import { streamFormat } from '../../export/formats/stream-format.js';
import { sendBatches, streamFilter } from './stream-batches.js';
import type { SenderReply, SenderRequest, SenderSettings } from './stream-senders.js';
import { transportFor } from './stream-transport.js';

/**
 * The streams' formatting and sending, on a thread of their own (stream-senders.ts says why):
 * one filter, format and transport per open stream; each `send` parses the rows it is given,
 * keeps those the filter passes, writes them in the stream's format and sends them as
 * sendBatches does, and answers how far it got. A native stream writes each row's text as read.
 */
const port = parentPort!;
interface OpenStream {
  settings: SenderSettings;
  matches: (event: StoredEvent) => boolean;
  format: StreamFormat;
  transport: Transport;
}
const open = new Map<string, OpenStream>();
/** Why a stream could not be opened (its settings name no transport): each send answers it. */
const unopened = new Map<string, string>();

async function handle(request: SenderRequest): Promise<SenderReply | undefined> {
  switch (request.kind) {
    case 'open': {
      // Replaced at once: a send that follows goes through the new settings.
      const before = open.get(request.stream);
      open.delete(request.stream);
      unopened.delete(request.stream);
      const { settings } = request;
      try {
        open.set(request.stream, {
          settings,
          matches: streamFilter(settings.filter),
          format: streamFormat(settings.format, { productVersion: settings.productVersion }),
          transport: transportFor(settings),
        });
      } catch (error) {
        unopened.set(request.stream, `stream ${request.stream} could not be opened: ${String(error)}`);
      }
      await before?.transport.close().catch(() => undefined);
      return undefined;
    }
    case 'close': {
      const entry = open.get(request.stream);
      open.delete(request.stream);
      unopened.delete(request.stream);
      await entry?.transport.close().catch(() => undefined);
      return { kind: 'done', call: request.call };
    }
    case 'send': {
      const entry = open.get(request.stream);
      if (!entry) {
        const message = unopened.get(request.stream) ?? `stream ${request.stream} is not open`;
        return { kind: 'failed', call: request.call, message };
      }
      const outcome = await sendBatches(
        request.rows,
        entry.matches,
        entry.format,
        entry.transport,
        entry.settings.batch,
        request.now,
      );
      return { kind: 'sent', call: request.call, outcome };
    }
  }
}

port.on('message', (request: SenderRequest) => {
  handle(request).then(
    (reply) => {
      if (reply) port.postMessage(reply);
    },
    (error: unknown) => {
      if ('call' in request) {
        port.postMessage({
          kind: 'failed',
          call: request.call,
          message: String(error),
        } satisfies SenderReply);
      }
    },
  );
});
