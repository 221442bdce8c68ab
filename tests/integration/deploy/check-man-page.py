#!/usr/bin/env python3
"""Usage: check-man-page.py MAN_PAGE MAPWATCH_BINARY UNIT_FILE PROMETHEUS_TEXTFILE_C TOP_KEYS_C

Checks mapwatch(8) against the binary it documents:
- groff and man render it without a warning, and man-db finds its NAME line;
- every command of `mapwatch --help` and every option of `mapwatch COMMAND
  --help` is in the synopsis of that command and described under OPTIONS
  with the same value name; every option the page lists is one the binary
  has, and each command accepts every option its synopsis shows;
- the exit statuses the binary gives for bad usage and for a runtime failure
  are the ones EXIT STATUS describes as such;
- the version is the binary's, FILES names the unit's output files, and
  METRICS names every metric the agent writes;
- the description of `top` names every key the view handles.
"""
import os
import re
import subprocess
import sys

from check_tally import check, failures, finish
from metric_families import families


# A value the option parser accepts, by the name --help gives the value.
SAMPLE_VALUES = {"SECONDS": "1", "N": "64", "PID": "1", "NAME": "init", "BYTES": "1M",
                 "ADDR": "127.0.0.1:9437"}


def run(command, **kwargs):
    env = dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat", LC_ALL="C.UTF-8")
    return subprocess.run(command, capture_output=True, text=True, env=env, **kwargs)


def plain(roff):
    """A roff line as text: fonts dropped, escapes resolved, macro name gone."""
    text = re.sub(r'\\f[BIRP]|\\f\(..|\\f\[\w*\]', '', roff)
    text = text.replace('\\-', '-').replace('\\e', '\\').replace('\\(em', '-')
    text = re.sub(r'^\.\w+\s*', '', text)
    return text.replace('"', '')


def option_tokens(text):
    return re.findall(r'(?<![\w-])(--?[a-z][\w-]*)', text)


def sections(page):
    """Section name -> its lines."""
    result, name = {}, None
    for line in page.splitlines():
        if line.startswith('.SH '):
            name = plain(line).strip()
            result[name] = []
        elif name:
            result[name].append(line)
    return result


def tagged_items(lines):
    """(.TP header as text, body as text) pairs."""
    items = []
    for i, line in enumerate(lines):
        if line.startswith('.TP') and i + 1 < len(lines):
            body = []
            for next_line in lines[i + 2:]:
                if next_line.startswith(('.TP', '.SH', '.SS')):
                    break
                body.append(plain(next_line))
            items.append((plain(lines[i + 1]), ' '.join(body)))
    return items


def synopses(lines):
    """Command -> set of options in its .SY block."""
    result, command = {}, None
    for line in lines:
        if line.startswith('.SY'):
            command = None
        elif line.startswith('.B ') and command is None:
            command = plain(line).strip()
            result[command] = set()
        elif line.startswith('.OP') and command:
            result[command] |= set(option_tokens(plain(line)))
        elif line.startswith('.B ') and command:
            # a required option, in bold rather than in brackets
            result[command] |= set(option_tokens(plain(line)))
    return result


def help_commands(binary):
    text = run([binary, "--help"]).stdout
    block = text.split("commands:", 1)[1] if "commands:" in text else ""
    commands = re.findall(r'^  (\w+)\s{2,}', block, re.M)
    return commands, help_options(text)


def help_options(text):
    """Option -> (its other spelling or None, value name or None)."""
    options = {}
    for short, long, value in re.findall(r'^\s+(?:(-\w), )?(--[\w-]+)(?: ([A-Z]+))?', text, re.M):
        options[long] = (short or None, value or None)
    return options


def check_rendering(page_path):
    groff = run(["groff", "-man", "-Tutf8", "-ww", "-z", page_path])
    check(groff.returncode == 0 and not groff.stderr.strip(),
          f"groff -man -ww warns: {groff.stderr.strip()}")
    man = run(["man", "--warnings", "-l", page_path])
    check(man.returncode == 0 and "MAPWATCH(8)" in man.stdout,
          f"man -l does not render it (status {man.returncode}): {man.stderr.strip()}")
    check(not man.stderr.strip(), f"man --warnings -l warns: {man.stderr.strip()}")
    lexgrog = run(["lexgrog", page_path])
    check(lexgrog.returncode == 0 and '"mapwatch - ' in lexgrog.stdout,
          f"man-db cannot read the NAME line (whatis, apropos): {lexgrog.stdout.strip()}")


def check_exit_statuses(binary, items):
    statuses = {}
    for header, body in items:
        if re.fullmatch(r'\d+', header.strip()):
            statuses[int(header)] = body.lower()
    usage = run([binary, "agent", "--no-such-option"]).returncode
    check("usage" in statuses.get(usage, ""),
          f"a bad option exits {usage}; EXIT STATUS does not describe {usage} as bad usage")
    # The output check comes before anything is loaded.
    failure = run([binary, "agent", "--textfile", "/nonexistent-mapwatch-dir/m.prom"]).returncode
    check("failure" in statuses.get(failure, ""),
          f"an unwritable --textfile exits {failure}; EXIT STATUS does not describe {failure} as a failure")
    check(statuses.get(0), "EXIT STATUS does not describe 0")


# Keys as the page spells them, where that is not the character itself.
KEY_NAMES = {" ": "Space"}


def check_top_keys(items, keys_path):
    """Every key top_keys__handle() acts on is in the description of top."""
    source = open(keys_path).read()
    handler = source[source.index("void top_keys__handle("):]
    keys = set(re.findall(r"case '(.)':", handler))
    # Q and F are the same keys as q and f with Caps Lock on.
    keys -= {"Q", "F"}
    check(len(keys) >= 15, f"found only {sorted(keys)} in {keys_path}")
    body = next((body for header, body in items if header.strip() == "top"), "")
    tokens = set(re.findall(r"[^\s,;()]+", body))
    for key in sorted(keys):
        name = KEY_NAMES.get(key, key)
        check(name in tokens, f"top handles the key {name!r}; the page's description of top does not name it")


def main():
    page_path, binary, unit_path, source_path, keys_path = sys.argv[1:6]
    page = open(page_path).read()
    parts = sections(page)
    for name in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "EXIT STATUS",
                 "FILES", "METRICS", "SEE ALSO"):
        check(name in parts, f"no {name} section")
    if failures:
        return

    check_rendering(page_path)

    version = run([binary, "--version"]).stdout.split()[-1]
    title = re.search(r'^\.TH .*$', page, re.M).group(0)
    check(f'"mapwatch {version}"' in title, f".TH {title!r} does not carry version {version}")

    commands, global_options = help_commands(binary)
    check(len(commands) >= 4, f"found only {commands} in mapwatch --help")
    synopsis = synopses(parts["SYNOPSIS"])
    described_commands = {header.strip() for header, _ in tagged_items(parts["COMMANDS"])}
    options_section = tagged_items(parts["OPTIONS"])
    described = {}  # option -> header text
    for header, _ in options_section:
        for option in option_tokens(header):
            described[option] = header

    every_help_option = set()
    for long, (short, value) in global_options.items():
        every_help_option |= {long, short} - {None}
        check(long in described, f"mapwatch --help lists {long}; OPTIONS does not")

    for command in commands:
        check(command in described_commands, f"COMMANDS does not describe '{command}'")
        check(command in synopsis, f"SYNOPSIS has no line for '{command}'")
        options = help_options(run([binary, command, "--help"]).stdout)
        check(len(options) >= 4, f"found only {sorted(options)} in mapwatch {command} --help")
        for long, (short, value) in options.items():
            every_help_option |= {long, short} - {None}
            for spelling in (long, short):
                if spelling is None:
                    continue
                check(spelling in synopsis.get(command, ()),
                      f"mapwatch {command} takes {spelling}; its SYNOPSIS line does not show it")
                check(spelling in described, f"mapwatch {command} takes {spelling}; OPTIONS does not describe it")
            header = described.get(long, "")
            if value:
                check(re.search(r'\b' + value + r'\b', header),
                      f"{long} takes {value} in --help; OPTIONS says {header!r}")
        # What the synopsis shows, the command must accept.
        for option in sorted(synopsis.get(command, ())):
            if option in ("-h", "--help"):
                continue
            long = option if option.startswith("--") else next(
                (l for l, (s, _) in options.items() if s == option), None)
            value = options.get(long, (None, None))[1] if long else None
            argv = [binary, command, option] + ([SAMPLE_VALUES.get(value, "/tmp/x.out")] if value else [])
            status = run(argv + ["--help"]).returncode
            check(status == 0, f"SYNOPSIS shows 'mapwatch {command} {option}'; the binary rejects it ({status})")

    for option in described:
        check(option in every_help_option, f"OPTIONS describes {option}, which no --help lists")

    check_exit_statuses(binary, tagged_items(parts["EXIT STATUS"]))

    files = plain("\n".join(parts["FILES"]))
    exec_start = re.search(r'^ExecStart=(.*)$', open(unit_path).read(), re.M).group(1).split()
    for option in ("--textfile", "--snapshot"):
        path = exec_start[exec_start.index(option) + 1]
        check(path in files, f"FILES does not name {path}, the unit's {option}")

    metrics = plain("\n".join(parts["METRICS"]))
    names = {name for name, _ in families(source_path)}
    check(len(names) >= 20, f"found only {sorted(names)} in {source_path}")
    for name in sorted(names):
        check(re.search(r'\b' + name + r'\b', metrics), f"METRICS does not name {name}")

    check_top_keys(tagged_items(parts["COMMANDS"]), keys_path)


if __name__ == "__main__":
    main()
    finish(sys.argv[1])
