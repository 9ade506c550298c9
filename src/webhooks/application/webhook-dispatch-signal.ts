import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** Wakes this process's dispatcher when deliveries became due (a fan-out or a retry committed here). */
@Injectable()
export class WebhookDispatchSignal {
  private readonly emitter = new EventEmitter();

  nudge(): void {
    this.emitter.emit('due');
  }

  on(fn: () => void): () => void {
    this.emitter.on('due', fn);
    return () => this.emitter.off('due', fn);
  }
}
