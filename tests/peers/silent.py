"""A Python peer for the tests that never answers: a listener whose queue of waiting
connections is full and which never accepts, so the system drops every new attempt,
as a firewall that drops packets does. Prints its port, then waits to be killed.

    python3 silent.py
"""
import socket
import sys
import time

sys.stdout.reconfigure(newline="\n")  # "\n" on Windows too, as the tests read it

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(0)
address = listener.getsockname()
fillers = []
for _ in range(3):  # fill the queue so that later attempts get no answer at all
    filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    filler.setblocking(False)
    filler.connect_ex(address)
    fillers.append(filler)
print(address[1], flush=True)
time.sleep(60)
