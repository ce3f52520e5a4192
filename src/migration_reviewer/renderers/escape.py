"""Making repository strings safe in Markdown: file names, table names, SQL and server messages come from
the pull request and must not become links, HTML, mentions or broken tables in our comment."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
# Inline Markdown that could turn text into emphasis, links, tables cells or strike-through.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
# Characters that only mean something at the start of a line (headings, lists, quotes).
_LINE_START = re.compile(r"^([#+\-=>]|\d+(?=[.)]))")
_MENTION = re.compile(r"([@#])(?=[A-Za-z0-9])")
WORD_JOINER = "\u2060"  # invisible; stops GitHub from reading "@name" or "#123" as a mention or link
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
# The password of a connection URL (a server message or a provider error may quote one).
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@", re.IGNORECASE)


def redact(value: object) -> str:
    """The text with the passwords of connection URLs replaced by ***: GitHub masks secrets in logs, not
    in what we post through its API."""
    return _URL_PASSWORD.sub(r"\1***@", str(value))


def _one_line(value: object) -> str:
    return _CONTROL.sub("", redact(value)).replace("\r", " ").replace("\n", " ")


def text(value: object) -> str:
    """Plain text for Markdown: one line, special characters escaped, HTML, links and mentions
    neutralised."""
    raw = _one_line(value)
    raw = raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    raw = _MARKDOWN_SPECIAL.sub(r"\\\1", raw)
    raw = _LINE_START.sub(r"\\\1", raw)
    raw = raw.replace("://", ":" + WORD_JOINER + "//")  # no autolinks
    return _MENTION.sub(r"\1" + WORD_JOINER, raw)


def message(value: object, *, in_table: bool = False) -> str:
    """Text in which `backtick spans` become code spans (our messages quote names that way) and
    everything else is escaped as `text`. `in_table`: the spans escape `|` too, or a name holding one
    would end the cell and leave the rest of it outside any code span."""
    raw = _one_line(value)
    parts = []
    last = 0
    for match in _CODE_SPAN.finditer(raw):
        parts.append(text(raw[last : match.start()]) if match.start() > last else "")
        parts.append(code(match.group(1), in_table=in_table))
        last = match.end()
    parts.append(text(raw[last:]) if last < len(raw) else "")
    return "".join(parts)


def html(value: object) -> str:
    """Text inside an HTML element (a <summary>, say), where Markdown escapes would show literally."""
    raw = _one_line(value)
    raw = raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return _MENTION.sub(r"\1" + WORD_JOINER, raw)


def code(value: object, *, in_table: bool = False) -> str:
    """An inline code span that holds any string: the fence is longer than any run of backticks inside
    (GitHub renders neither Markdown, HTML nor mentions inside code)."""
    raw = _one_line(value)
    if in_table:
        raw = raw.replace("|", "\\|")  # a pipe ends a table cell even inside a code span
    longest = max((len(run) for run in re.findall(r"`+", raw)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if raw.startswith("`") or raw.endswith("`") or not raw.strip() else ""
    return f"{fence}{pad}{raw}{pad}{fence}"


def code_block(value: object, language: str = "sql") -> str:
    """A fenced block whose fence no line inside can close."""
    raw = _CONTROL.sub("", redact(value).replace("\r\n", "\n")).replace("\r", "\n")
    longest = max((len(run) for run in re.findall(r"`{3,}", raw)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{raw}\n{fence}"


def terminal(value: object) -> str:
    """Strip control characters (escape sequences could repaint a terminal)."""
    return _CONTROL.sub("", str(value)).replace("\x1b", "")
