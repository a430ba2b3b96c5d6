/**
 * At most four characters and at most half of a transaction id: enough to match a log line to
 * an audit row, too little to replay the request from the log. The server's log and the
 * dashboard's dialogues shorten ids alike.
 */
export function txnPrefix(txnId: string): string {
  return `${txnId.slice(0, Math.min(4, Math.floor(txnId.length / 2)))}…`;
}
