"""The widest a terminal may draw each line of standard input, in columns: an oracle for the
projector's rows that does not share their code. Marks, joiners and format characters take
none; wide, fullwidth and ambiguous characters two (a terminal in an East Asian locale
draws ambiguous ones wide, and many draw an emoji's skin tone apart); the rest one.

    python3 widest.py < rows.txt
"""
import sys
import unicodedata

sys.stdout.reconfigure(newline="\n")
for line in sys.stdin.read().split("\n"):
    width = 0
    for char in line:
        if unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F", "A") else 1
    print(width)
