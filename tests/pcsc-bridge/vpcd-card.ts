/**
 * A card for vsmartcard's vpcd reader driver (libifdvpcd, in pcscd): pcscd's vpcd listens on a TCP
 * port (reader.conf DEVICENAME /dev/null:<port>) and the card connects to it; while connected, the
 * card is in the reader. Each message is a 2-byte big-endian length, then the payload: one byte is
 * a command (00 power off, 01 power on, 02 reset, 04 "send your ATR"), more is a command APDU, and
 * the card answers the ATR request and the APDUs with a message of the same framing.
 *
 * Debian's vpcd (bookworm, 3.3) must be used this way round: when it is the client (DEVICENAME
 * 127.0.0.1:<port>), a card that goes away makes it select() on fd -1 and pcscd aborts.
 */
import { connect, type Socket } from 'node:net';
import type { VirtualCard } from '../../src/sim';

const POWER_OFF = 0x00;
const POWER_ON = 0x01;
const RESET = 0x02;
const GET_ATR = 0x04;

export interface VpcdCard {
  /** Connects `card` to vpcd: pcscd sees it inserted within its polling period. */
  insert(card: VirtualCard): Promise<void>;
  /** Drops the connection: pcscd sees the card removed. */
  remove(): void;
  /** Commands vpcd sent (kinds only, no data). */
  readonly commands: readonly string[];
}

export function vpcdCard(port: number, host = '127.0.0.1'): VpcdCard {
  let socket: Socket | null = null;
  const commands: string[] = [];
  const frame = (payload: Uint8Array) => {
    const out = Buffer.alloc(2 + payload.length);
    out.writeUInt16BE(payload.length, 0);
    out.set(payload, 2);
    return out;
  };
  const serve = (s: Socket, card: VirtualCard) => {
    let buffered = Buffer.alloc(0);
    s.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const length = buffered.readUInt16BE(0);
        const payload = new Uint8Array(buffered.subarray(2, 2 + length));
        buffered = buffered.subarray(2 + length);
        if (length === 1) {
          const command = payload[0];
          commands.push(command === GET_ATR ? 'atr' : command === POWER_ON ? 'power on' : command === POWER_OFF ? 'power off' : command === RESET ? 'reset' : `0x${command?.toString(16)}`);
          if (command === GET_ATR) s.write(frame(card.atr));
          else if (command === POWER_ON || command === RESET) card.reset?.();
        } else {
          commands.push('apdu');
          s.write(frame(card.transmitApdu(payload)));
        }
      }
    });
  };
  return {
    commands,
    async insert(card) {
      for (let attempt = 0; ; attempt++) {
        try {
          socket = await new Promise<Socket>((resolve, reject) => {
            const s = connect({ port, host }, () => resolve(s));
            s.once('error', reject);
          });
          break;
        } catch (error) {
          if (attempt > 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      socket.on('error', () => undefined);
      serve(socket, card);
    },
    remove() {
      socket?.destroy();
      socket = null;
    },
  };
}
