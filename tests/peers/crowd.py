"""A Python peer for the tests that plays one student's script: many connections from one
address, which sit idle, drip a byte now and then, or flood text and read the replies.
Prints "ready" once all are open, then carries on until killed.

    python3 crowd.py PORT SOURCE_ADDRESS COUNT idle|drip|flood
"""
import selectors
import socket
import sys
import time

port, source, count, mode = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
sockets = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
    s.setblocking(False)
    sockets.append(s)
print("ready", flush=True)

flood = (b"flooding the projector with one more line of text\n" * 200)
selector = selectors.DefaultSelector()
for s in sockets:
    events = selectors.EVENT_READ
    if mode == "flood":
        events |= selectors.EVENT_WRITE
    selector.register(s, events)
while True:
    if mode == "drip":
        for s in sockets:
            try:
                s.send(b"x")
            except OSError:
                pass
    for key, events in selector.select(timeout=0.5):
        s = key.fileobj
        try:
            if events & selectors.EVENT_READ and s.recv(65536) == b"":
                selector.unregister(s)  # the server closed it
                continue
            if events & selectors.EVENT_WRITE:
                s.send(flood)
        except OSError:
            selector.unregister(s)
    if mode == "idle" or mode == "drip":
        time.sleep(0.2)
