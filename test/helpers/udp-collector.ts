import { createSocket, type Socket } from 'node:dgram';

/** A loopback UDP server recording every datagram, for reading a sink's exact wire lines. */
export class UdpCollector {
  readonly datagrams: string[] = [];
  readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('message', (message) => this.datagrams.push(message.toString('utf8')));
  }

  static async start(host = '127.0.0.1', port = 0): Promise<UdpCollector> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => socket.bind(port, host, resolve));
    return new UdpCollector(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  get lines(): string[] {
    return this.datagrams.flatMap((d) => d.split('\n'));
  }

  close(): void {
    this.socket.close();
  }
}
