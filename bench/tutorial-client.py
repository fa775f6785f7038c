"""The tutorial's client, as the tutorial writes it, for the benchmark: the same program
with the port as an argument, and an end at the end of its input (where the tutorial's
stops with a traceback).

    python3 bench/tutorial-client.py PORT < messages
"""
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", int(sys.argv[1])))
while True:
    try:
        msg = input("Type your msg here: ")
    except EOFError:
        break
    s.sendall(msg.encode())
    data = s.recv(1024)  # Blocks!
    print(data.decode())
s.close()
