"""Read a gettext .po file: enough of the format for our catalogues (no external package needed)."""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (".*")$')


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> str:
        """The key gettext's compiled catalogue uses."""
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def read_po(path: Path) -> list[Entry]:
    entries, entry, target = [], None, None
    for line in Path(path).read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry = target = None
            continue
        entry = entry or Entry()
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if match := _KEYWORD.match(line):
            keyword, index, text = match.groups()
            target = (keyword, int(index or 0))
            _append(entry, target, ast.literal_eval(text), start=True)
        elif line.startswith('"') and target is not None:
            _append(entry, target, ast.literal_eval(line), start=False)
    return entries


def _append(entry: Entry, target, text: str, *, start: bool) -> None:
    keyword, index = target
    if keyword.startswith("msgstr"):
        entry.msgstr[index] = ("" if start else entry.msgstr.get(index, "")) + text
    elif keyword == "msgid":
        entry.msgid = ("" if start else entry.msgid) + text
    else:
        attr = "msgctxt" if keyword == "msgctxt" else "msgid_plural"
        setattr(entry, attr, ("" if start else getattr(entry, attr) or "") + text)


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{\w*\}")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text) or []) if "%" in text or "{" in text else []
