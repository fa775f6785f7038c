"""A small Python peer for the tests: connects to 127.0.0.1:PORT, sends each message
given on the command line, and prints each reply, the way the tutorial's client talks.

    python3 client.py PORT MESSAGE [MESSAGE ...]
"""
import socket
import sys

sys.stdout.reconfigure(newline="\n")  # "\n" on Windows too, as the tests read it

port = int(sys.argv[1])
with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
    for message in sys.argv[2:]:
        sock.sendall(message.encode("utf-8"))
        print(sock.recv(1024).decode("utf-8"), flush=True)
    sock.shutdown(socket.SHUT_WR)
    while sock.recv(1024):
        pass
