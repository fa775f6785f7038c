"""A Python peer for the tests: a client that sends one byte per segment as fast as it can
and never reads its replies (its receive buffer kept small, so they back up at once). When
its sends have been refused for half a second in a row (the server reads no more, and the
kernel's buffers are full), it prints "pushed back after N bytes in T s"; after 6 s without,
"never pushed back after N bytes". Then it reads every reply and prints how many it got.

    python3 drip.py PORT
"""
import socket
import sys
import time

sys.stdout.reconfigure(newline="\n")  # "\n" on Windows too, as the tests read it

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.setblocking(False)
start = time.monotonic()
sent = 0
refused_since = None
while True:
    now = time.monotonic()
    try:
        sent += s.send(b"x")
        refused_since = None
    except BlockingIOError:
        if refused_since is None:
            refused_since = now
        if now - refused_since >= 0.5:
            print(f"pushed back after {sent} bytes in {refused_since - start:.1f} s", flush=True)
            break
        time.sleep(0.001)
    if now - start > 6:
        print(f"never pushed back after {sent} bytes", flush=True)
        break
s.setblocking(True)
s.shutdown(socket.SHUT_WR)
received = b""
while chunk := s.recv(65536):
    received += chunk
print(f"{received.count(b'Got it!')} replies", flush=True)
