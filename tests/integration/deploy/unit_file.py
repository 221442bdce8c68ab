"""A systemd unit file as systemd reads it, for the deploy checks: sections of
keys, each key with every value it is given (After= may repeat)."""
import shlex


def parse(path):
    sections, section = {}, None
    with open(path) as unit:
        lines = unit.read().replace("\\\n", " ").splitlines()
    for line in lines:
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        section.setdefault(key.strip(), []).append(value.strip())
    return sections


def words(sections, section, key):
    """Every space-separated word of every value of the key."""
    return [word for value in sections.get(section, {}).get(key, []) for word in value.split()]


def last(sections, section, key, default=None):
    values = sections.get(section, {}).get(key, [])
    return values[-1] if values else default


def exec_start(sections):
    return shlex.split(last(sections, "Service", "ExecStart", ""))


def comments(path):
    with open(path) as unit:
        return [line.strip().lstrip("#;").strip() for line in unit if line.lstrip().startswith(("#", ";"))]
