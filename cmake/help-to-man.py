#!/usr/bin/env python3
"""Writes a man page from a program's own --help text, so the page and the help cannot differ.
Usage: help-to-man.py OUT NAME SECTION SUMMARY VERSION -- COMMAND [ARGS...]
COMMAND (with its arguments) prints the help; its "usage:" lines become the synopsis and the rest,
as printed, the description."""
import subprocess
import sys

out, name, section, summary, version = sys.argv[1:6]
command = sys.argv[sys.argv.index("--") + 1:]
help_text = subprocess.run(command, check=True, capture_output=True, text=True).stdout


def roff(line):
    # A backslash is roff's escape; a line starting with . or ' would be a request.
    line = line.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + line if line.startswith((".", "'")) else line


synopsis, description = [], []
for line in help_text.rstrip("\n").split("\n"):
    stripped = line.strip()
    if not description and (stripped.startswith("usage:") or (synopsis and line.startswith(" "))):
        synopsis.append(stripped.removeprefix("usage:").strip())
    else:
        description.append(line)
while description and not description[0].strip():
    description.pop(0)

page = [f'.TH {name.upper()} {section} "" "{name} {version}" "door-agent"',
        ".SH NAME", f"{name} \\- {summary}", ".SH SYNOPSIS", ".nf"]
page += [roff(s) for s in synopsis]
page += [".fi", ".SH DESCRIPTION", ".nf"]
page += [roff(d) for d in description]
page += [".fi", ".SH SEE ALSO",
         "The documentation in /usr/share/doc/door\\-agent, and docs/fleet\\-setup.md in the source."]
with open(out, "w") as f:
    f.write("\n".join(page) + "\n")
