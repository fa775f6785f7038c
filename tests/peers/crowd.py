"""A Python peer for the tests that plays one student's script: many connections from one
address, which sit idle, drip a byte now and then, flood text and read the replies, or send
one burst of text each (longburst: of 20 lines of 3,000 characters) and then only read, or
each send one endless character (combining
marks piled on one letter) and read the replies.
Prints "ready" once all are open, "answered" once each has had a reply, "dripped" once
each has dripped 12 bytes (drip), and carries on until killed. A SOURCE such as
127.0.0.2-61 spreads the connections over those addresses: many computers at once.

    python3 crowd.py PORT SOURCE COUNT idle|drip|flood|burst|longburst|marks|talk|churn

talk: each connection sends "line N" once a second, as a lab of students types; "talked"
once each has sent 5. churn: COUNT is ignored: one connection after another is opened
and closed at once, without end, as a script that reconnects in a loop.
"""
import selectors
import socket
import sys
import time

sys.stdout.reconfigure(newline="\n")  # "\n" on Windows too, as the tests read it

port, source, count, mode = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
if "-" in source:
    first, last = source.rsplit(".", 1)[1].split("-")
    prefix = source.rsplit(".", 1)[0]
    sources = [f"{prefix}.{n}" for n in range(int(first), int(last) + 1)]
else:
    sources = [source]
if mode == "churn":
    print("ready", flush=True)
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), source_address=(sources[0], 0)).close()
        except OSError:
            time.sleep(0.01)
sockets = []
for n in range(count):
    s = socket.create_connection(("127.0.0.1", port), source_address=(sources[n % len(sources)], 0))
    s.setblocking(False)
    sockets.append(s)
print("ready", flush=True)

flood = (b"flooding the projector with one more line of text\n" * 200)
if mode == "longburst":
    flood = (b"long" * 750 + b"\n") * 20
if mode == "marks":
    for s in sockets:
        s.send(b"e")  # the letter that every mark after it sits on
    flood = "\u0301".encode() * 32768  # one character, never ending
selector = selectors.DefaultSelector()
for s in sockets:
    events = selectors.EVENT_READ
    if mode in ("flood", "burst", "longburst", "marks"):
        events |= selectors.EVENT_WRITE
    selector.register(s, events)
waiting = set(sockets)  # not answered yet
rounds = 0  # of drips, each a byte on each connection
talked = 0  # lines each connection has sent (talk)
next_line = time.monotonic()  # when the next line goes (talk)
while True:
    if mode == "drip":
        for s in sockets:
            try:
                s.send(b"x")
            except OSError:
                pass
        rounds += 1
        if rounds == 12:
            print("dripped", flush=True)
    if mode == "talk" and time.monotonic() >= next_line:
        next_line += 1
        talked += 1
        for s in sockets:
            try:
                s.send(f"line {talked}\n".encode())
            except OSError:
                pass
        if talked == 5:
            print("talked", flush=True)
    for key, events in selector.select(timeout=0.5):
        s = key.fileobj
        try:
            if events & selectors.EVENT_READ:
                if s.recv(65536) == b"":
                    selector.unregister(s)  # the server closed it
                    continue
                if s in waiting:
                    waiting.discard(s)
                    if not waiting:
                        print("answered", flush=True)
            if events & selectors.EVENT_WRITE:
                s.send(flood)
                if mode in ("burst", "longburst"):
                    selector.modify(s, selectors.EVENT_READ)  # one burst is all it sends
        except OSError:
            selector.unregister(s)
    if mode not in ("flood", "marks"):
        time.sleep(0.2)
