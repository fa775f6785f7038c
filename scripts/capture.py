"""What tcpdump -n would show of TCP port 1337 on one interface, its flags and lengths
only (sequence numbers and timings change from run to run). For bun run transcripts, on
Linux as root (a raw AF_PACKET socket), where tcpdump itself may not be installed.
Prints one line a packet on standard output (and "ready" on standard error once it
listens) until Ctrl-C or SIGTERM. Without administrator rights it says so in one line:
seeing packets needs them, so in class only the teacher's computer shows them.

    python3 scripts/capture.py eth0
"""
import signal
import socket
import struct
import sys

sys.stdout.reconfigure(newline="\n")
ETH_P_ALL, ETH_P_IP = 0x0003, 0x0800  # every packet, both ways; then IPv4 alone
FLAGS = [(0x01, "F"), (0x02, "S"), (0x04, "R"), (0x08, "P"), (0x10, ".")]  # tcpdump's order
# On loopback each packet passes twice, going out and coming in: it is shown once, as
# tcpdump shows it (the copy going out is left out).
ARPHRD_LOOPBACK, PACKET_OUTGOING = 772, 4

if len(sys.argv) != 2:
    sys.exit("usage: python3 scripts/capture.py INTERFACE   (lo for this computer)")
try:
    sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
    sniffer.bind((sys.argv[1], ETH_P_ALL))
except PermissionError:
    sys.exit("Seeing packets needs administrator rights: sudo python3 scripts/capture.py lo")
except AttributeError:
    sys.exit("This works on Linux only: on macOS or Windows, use Wireshark.")
except OSError as problem:
    sys.exit(f"No interface {sys.argv[1]!r} ({problem.strerror}): ip link lists them.")
for stop in (signal.SIGTERM, signal.SIGINT):  # Ctrl-C too: an end, not a traceback
    signal.signal(stop, lambda *_: sys.exit(0))
sys.stderr.write("ready\n")  # one write, even unbuffered (PYTHONUNBUFFERED)
sys.stderr.flush()
while True:
    packet, (_, protocol, kind, hardware, *_) = sniffer.recvfrom(65535)
    if protocol != ETH_P_IP:
        continue
    if hardware == ARPHRD_LOOPBACK and kind == PACKET_OUTGOING:
        continue
    header = (packet[0] & 0x0F) * 4
    if packet[9] != socket.IPPROTO_TCP:
        continue
    total = struct.unpack("!H", packet[2:4])[0]
    source, destination = socket.inet_ntoa(packet[12:16]), socket.inet_ntoa(packet[16:20])
    tcp = packet[header:]
    sport, dport = struct.unpack("!HH", tcp[0:4])
    if 1337 not in (sport, dport):
        continue
    offset = (tcp[12] >> 4) * 4
    flags = "".join(name for bit, name in FLAGS if tcp[13] & bit)
    length = total - header - offset
    print(f"IP {source}.{sport} > {destination}.{dport}: Flags [{flags}], length {length}", flush=True)
