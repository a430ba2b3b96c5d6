// `node --import tsx bench/echo-server.ts`: a bare echo server, the floor the bench's `--echo`
// measures the bank against (issue 23: "≥ 0.40 × a bare echo server measured in the same run").
// It speaks just enough of PROTOCOL.md for the load generator's sessions: one reply line per
// request line, in order, always a fixed success of the right shape (§4): `00 <cents> <ttl>` to
// a LOGIN, `00` to LOGOUT and PING, `00 <cents>` to anything else (BALANCE, DEPOSIT, WITHDRAW,
// OUTCOME). No database, no rules, no limits beyond the frame size: what is left is Node's event
// loop and the kernel's loopback TCP, a read and a write per request, as in the bank server.
import net from 'node:net';

const LOGIN_REPLY = Buffer.from('00 100000000 30\n');
const BARE_REPLY = Buffer.from('00\n');
const BALANCE_REPLY = Buffer.from('00 100000000\n');
/** A request line is at most 128 bytes (PROTOCOL.md §2); a longer one closes the connection. */
const LINE_BYTES_MAX = 128;

/** The fixed reply to one request line (its LF and any CR already cut off). */
function replyTo(line: string): Buffer {
  if (line.startsWith('LOGIN ')) return LOGIN_REPLY;
  if (line === 'LOGOUT' || line === 'PING') return BARE_REPLY;
  return BALANCE_REPLY;
}

/** Splits what arrived into lines and writes one reply per complete line, in one write. */
function serve(socket: net.Socket): void {
  socket.setNoDelay(true);
  let pending = '';
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString('latin1')).split('\n');
    pending = lines.pop()!;
    if (pending.length >= LINE_BYTES_MAX) return void socket.destroy();
    const replies = lines.map((line) => replyTo(line.endsWith('\r') ? line.slice(0, -1) : line));
    if (replies.length === 1) socket.write(replies[0]!);
    else if (replies.length > 1) socket.write(Buffer.concat(replies));
  });
}

const sockets = new Set<net.Socket>();
const server = net.createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  serve(socket);
});
server.listen({ host: '127.0.0.1', port: 0 }, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`echo listening on ${address}:${port}`);
});
process.on('SIGTERM', () => {
  sockets.forEach((socket) => socket.destroy());
  server.close(() => process.exit(0));
});
