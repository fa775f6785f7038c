"""The tutorial's server, as the tutorial writes it, for the benchmark: the same program
with a free port (it says which on standard error) instead of 1337.

    python3 bench/tutorial-server.py
"""
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
s.listen()
print(f"Listening on 127.0.0.1:{s.getsockname()[1]}", file=sys.stderr, flush=True)

conn, addr = s.accept()  # Blocks!
print("Connection from : " + addr[0])
while True:
    data = conn.recv(1024)  # Blocks!
    if not data:
        break
    print(data.decode())
    conn.sendall(b"Got it!")
