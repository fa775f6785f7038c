"""The benchmark's dripper: one byte per TCP segment, as fast as the server takes them, for
SECONDS; it never reads its replies (its receive buffer kept small, so they back up at once).

    python3 bench/drip.py PORT SECONDS
"""
import socket
import sys
import time

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.setblocking(False)
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    try:
        s.send(b"x")
    except BlockingIOError:
        time.sleep(0.001)  # pushed back: the server reads no more for now
s.close()
