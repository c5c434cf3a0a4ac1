import type { IPublishPacket, MqttClient } from 'mqtt';
import { corked } from './client.js';

/**
 * Passed to mqtt.js' `handleMessage` callback: it reads the next packet without sending the PUBACK, which
 * `OrderedAcks` sends later. (mqtt.js reads one packet at a time until the callback, and sends the PUBACK in
 * it: acknowledging there would commit one message at a time.)
 */
export const ackLater = new Error('acknowledged after it is stored');

type Slot = { messageId: number; stream: MqttClient['stream']; ready: boolean };

/** What to do with one received QoS 1 message: acknowledge it once stored, or have the broker send it again. */
export interface PendingAck {
  done(): void;
  /** Drops the connection, so the broker sends every unacknowledged message again. */
  failed(): void;
}

/**
 * Acknowledges QoS 1 messages in the order they were received, each once its work is done, so that many
 * messages can share one commit. A PUBACK belongs to its connection: after a reconnect the broker sends
 * unacknowledged messages again, and the old ones are forgotten.
 */
export class OrderedAcks {
  private slots: Slot[] = [];

  /** `beforeWrite` runs before acknowledgements are written (to hold them for the turn, see `turnWrites`). */
  constructor(
    private readonly client: MqttClient,
    private readonly beforeWrite: () => void = () => undefined,
  ) {}

  /** Registers a received message; QoS 0 needs no acknowledgement. */
  take(packet: IPublishPacket): PendingAck {
    if (packet.qos === 0 || packet.messageId === undefined) return { done: () => undefined, failed: () => undefined };
    const slot: Slot = { messageId: packet.messageId, stream: this.client.stream, ready: false };
    this.slots.push(slot);
    return {
      done: () => {
        slot.ready = true;
        this.flush();
      },
      failed: () => {
        slot.stream.destroy();
        this.flush();
      },
    };
  }

  /** Sends the acknowledgements that are due; call it again after a reconnect to forget stale ones. */
  flush(): void {
    this.beforeWrite();
    corked(this.client, () => {
      while (this.slots.length && (this.slots[0].ready || !this.current(this.slots[0].stream))) {
        const slot = this.slots.shift()!;
        if (slot.ready && this.current(slot.stream)) sendPuback(this.client, slot.messageId);
      }
    });
  }

  private current(stream: Slot['stream']): boolean {
    return this.client.connected && stream === this.client.stream && !stream.destroyed;
  }
}

/** Sends the PUBACK mqtt.js would have sent when `handleMessage` called back (an internal of mqtt.js 5). */
function sendPuback(client: MqttClient, messageId: number): void {
  (client as unknown as { _sendPacket(packet: object): void })._sendPacket({ cmd: 'puback', messageId, reasonCode: 0 });
}
