#!/usr/bin/env python3
"""Checks every command in the ```sh blocks of README.md and docs/*.md against the software, so
the documentation cannot rot: door-agent and door-scheduler options must be ones their help
lists, presets must exist, scripts and repository files must be there. The README's two commands
themselves run in the test suite. Usage: check-docs.py SOURCE_DIR DOOR_AGENT DOOR_SCHEDULER"""
import json
import os
import re
import shlex
import subprocess
import sys

source, agent, scheduler = sys.argv[1:4]
# Commands of the operating system, shown for the reader's machine and not run here.
SYSTEM = {"systemctl", "journalctl", "apt", "install", "useradd", "gpioinfo", "gpiodetect",
          "sudoedit", "cpack", "cd", "groupadd", "getent", "tee", "sed", "mkdir", "tar",
          "cat", "sleep", "wait", "scp", "mosquitto_sub", "mosquitto_pub", "qemu-aarch64", "qemu-arm", "chgrp",
          "az", "export", "printf", "cp"}
SCHEDULER_COMMANDS = {"devices", "schedule", "jobs", "job", "watch", "cancel", "purge", "run", "serve", "record", "events", "call", "twin", "monitor", "help"}
presets = {p["name"] for p in json.load(open(os.path.join(source, "CMakePresets.json")))
           ["configurePresets"]}
problems = []


def help_text(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True).stdout


agent_help = help_text(agent, "--help")
scheduler_help = {c: help_text(scheduler, "help", c) for c in SCHEDULER_COMMANDS}
scheduler_help[""] = help_text(scheduler, "--help")


def check_options(words, known, where):
    for w in words:
        option = w.split("=")[0]
        if option.startswith("--") and option not in known:
            problems.append(f"{where}: {option} is not an option its help lists")


def check(words, where, aliases):
    words = [w for w in words if w not in ("(", ")")]
    if words and words[0] in aliases:
        words = aliases[words[0]] + words[1:]
    while words and (words[0] == "sudo" or re.match(r"^[A-Z_]+=", words[0])):
        words = words[3:] if words[:2] == ["sudo", "-u"] else words[1:]
    if not words:
        return
    head = words[0]
    if head == "door-agent" or head.endswith("/door-agent"):
        check_options(words[1:], agent_help, where)
    elif head == "door-scheduler" or head.endswith("/door-scheduler"):
        command = next((w for w in words[1:] if w in SCHEDULER_COMMANDS), "")
        check_options(words[1:], scheduler_help[""] + scheduler_help.get(command, ""), where)
    elif head == "door-fleet":
        usage = open(os.path.join(source, "deploy/broker/door-fleet")).read()
        check_options(words[1:], usage, where)
    elif head in ("cmake", "ctest"):
        for i, w in enumerate(words[:-1]):
            if w == "--preset" and words[i + 1] not in presets:
                problems.append(f"{where}: no preset {words[i + 1]}")
    elif "/" in head and not head.startswith(("build/", "/")):
        path = os.path.join(source, head)
        if not os.access(path, os.X_OK):
            problems.append(f"{where}: {head} is not an executable of the repository")
        else:
            text = open(path, errors="replace").read()
            check_options(words[1:], text, where)
    elif head.startswith("build/"):
        preset = head.split("/")[1]
        if preset not in presets:
            problems.append(f"{where}: {head}: no preset {preset}")
    elif head not in SYSTEM:
        problems.append(f"{where}: '{head}' is neither the project's nor a known system command")
    for w in words:  # repository files the commands name
        if re.match(r"^(deploy|scripts|tests|bench|docs|toolchains)/\S+$", w) and \
                not os.path.exists(os.path.join(source, w)):
            problems.append(f"{where}: {w} does not exist")


documents = ["README.md"] + sorted("docs/" + f for f in os.listdir(os.path.join(source, "docs"))
                                   if f.endswith(".md"))
commands = 0
for document in documents:
    text = open(os.path.join(source, document)).read()
    for block in re.finditer(r"```sh\n(.*?)```", text, re.S):
        aliases = {}
        for line in block.group(1).replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip()
            if not line or line.startswith("#"):
                continue
            assignment = re.match(r'^([A-Za-z_]+)="([^"]*)"$', line)
            if assignment:
                aliases["$" + assignment.group(1)] = shlex.split(assignment.group(2))
                continue
            for part in re.split(r"\s*(?:&&|\|\||\||;)\s*", line):
                commands += 1
                check(shlex.split(part.replace("(", " ( ").replace(")", " ")), document, aliases)

for p in problems:
    print(p)
print(f"check-docs: {commands} commands in {len(documents)} documents, {len(problems)} problems")
sys.exit(1 if problems else 0)
