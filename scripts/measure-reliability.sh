#!/usr/bin/env bash
# Figures for RELIABILITY.md that need a whole process: `facepay auth` against
# a bridge that answers with an endless (300 MB) reply, and one that declares
# a 300 MB body. Prints the peak memory of the CLI and what the journal kept.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo build -q --release -p facepay-cli --locked
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$port" >"$work/server.log" 2>&1 <<'PY' &
import socket, sys, threading
MB = 1024 * 1024
def serve(conn):
    conn.settimeout(30)
    try:
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        if b"declared" in data.split(b"\r\n")[0]:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (300 * MB))
            conn.sendall(b"{" + b" " * MB)
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b" " * 65536
            for _ in range(300 * MB // len(chunk)):
                conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    finally:
        conn.close()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
server=$!
sleep 0.5
for path in endless declared; do
  db="$work/$path.db"
  /usr/bin/time -f "%M" -o "$work/rss" env -i PATH="$PATH" FACEPAY_DB="$db" \
    FACEPAY_TERMINAL_URL="http://127.0.0.1:$port/$path" FACEPAY_ORG_ID=H44170200001 \
    FACEPAY_HOSPITAL_NAME=阳江市妇幼保健院 FACEPAY_COUNTER_ID=W01 FACEPAY_OPERATOR_ID=0107 \
    FACEPAY_OPERATOR_NAME=林晓燕 FACEPAY_OFFICE_ID=0301 FACEPAY_OFFICE_NAME=挂号收费处 \
    target/release/facepay auth >"$work/out.json" 2>"$work/err.log" || true
  code=$(sed -n 's/.*"code": "\([a-z_]*\)".*/\1/p' "$work/out.json" | head -1)
  kept=$(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('select coalesce(sum(length(reply_masked)),0)+coalesce(sum(length(error_message)),0) from calls').fetchone()[0])" "$db")
  status=$(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('select group_concat(status) from calls').fetchone()[0])" "$db")
  echo "| 300 MB reply ($path) | peak RSS $(( $(tail -1 "$work/rss") / 1024 )) MB | exit code: $code | call: $status | journal kept $kept bytes of it |"
done
