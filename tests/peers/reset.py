"""A misbehaving Python peer for the tests: it ends the connection with a reset (RST)
instead of an orderly close, as a crashed program or a pulled cable can.

    python3 reset.py client PORT MESSAGE   send MESSAGE, read the reply, then reset
    python3 reset.py server                print a free port, take one client, read one
                                           message, then reset without replying
    python3 reset.py at-once               print a free port, and reset every client as
                                           soon as it is taken
"""
import socket
import struct
import sys

sys.stdout.reconfigure(newline="\n")  # "\n" on Windows too, as the tests read it


def reset(sock):
    # SO_LINGER on, with a time of 0: close() sends RST instead of FIN.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


if sys.argv[1] == "client":
    sock = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10)
    sock.sendall(sys.argv[3].encode("utf-8"))
    print(sock.recv(1024).decode("utf-8"), flush=True)
    reset(sock)
elif sys.argv[1] == "at-once":
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    print(listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        reset(conn)
else:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(10)
    print(listener.getsockname()[1], flush=True)
    conn, _ = listener.accept()
    conn.recv(1024)
    reset(conn)
