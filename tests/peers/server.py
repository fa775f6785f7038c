"""A small Python peer for the tests: serves one client the way the tutorial's server
does (print each chunk, answer b'Got it!'), on a free port that it prints first.

    python3 server.py
"""
import socket
import sys

sys.stdout.reconfigure(newline="\n")  # "\n" on Windows too, as the tests read it

with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    print(listener.getsockname()[1], flush=True)
    listener.settimeout(10)
    connection, address = listener.accept()
    with connection:
        print("Connection from : " + address[0], flush=True)
        for chunk in iter(lambda: connection.recv(1024), b""):
            print(chunk.decode("utf-8"), flush=True)
            connection.sendall(b"Got it!")
sys.exit(0)
