import dgram from 'node:dgram';
import net from 'node:net';

let applied = false;

/**
 * rtsp-streaming-server binds its RTSP (TCP) and RTP/RTCP (UDP) sockets without an address, i.e. on every
 * interface, and has no option for it. This project never listens beyond loopback, so in the simulator's
 * process a bind or listen that names a port but no address is pinned to 127.0.0.1.
 */
export function pinUnaddressedSocketsToLoopback(): void {
  if (applied) return;
  applied = true;
  const bind = dgram.Socket.prototype.bind as (...args: unknown[]) => dgram.Socket;
  dgram.Socket.prototype.bind = function (this: dgram.Socket, ...args: unknown[]) {
    if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function'))
      return bind.call(this, args[0], '127.0.0.1', ...args.slice(1));
    return bind.apply(this, args);
  } as typeof dgram.Socket.prototype.bind;
  const listen = net.Server.prototype.listen as (...args: unknown[]) => net.Server;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function'))
      return listen.call(this, args[0], '127.0.0.1', ...args.slice(1));
    return listen.apply(this, args);
  } as typeof net.Server.prototype.listen;
}
