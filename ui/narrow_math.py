"""Display equations that fit a phone: a long LaTeX line broken into rows of an aligned environment.

KaTeX never breaks a display equation, so on a 390 px phone a line such as
`m_t = 0.9·(−1.369) + 0.1·(−4.331) = −1.665` runs off the edge and must be scrolled sideways. `wrap`
re-flows such a line (or an `aligned` block of them): each `=` (or `≈`, `←`) that does not fit goes to a
new row aligned under the first, a sum too long for a row breaks before a `+` or `−` outside any braces or
parentheses, `a = …, \\quad b = …` becomes two rows, and a remark in words (`\\text{…}`) breaks between
words. What a row cannot break (one long fraction, say) is set a size smaller. Pure: text in, text out.
"""

from __future__ import annotations

import re
from itertools import pairwise

# Characters of LaTeX source, commands and braces excluded, that fit one row of a phone's display.
PHONE_CHARS = 31
_COMMAND = re.compile(r"\\[a-zA-Z]+|\\[^a-zA-Z]|[{}^_&]")
# Commands that draw no character of their own (the rest, such as \beta or \cdot, count as one).
_SILENT = {"text", "mathrm", "operatorname", "frac", "tfrac", "dfrac", "sqrt", "left", "right", "begin", "end",
           "textstyle", "displaystyle", "hat", "bar", "tilde", "big", "Big", "small", "footnotesize",
           "scriptsize", "colon", ""}
_COLOUR = re.compile(r"\\textcolor\{[^{}]*\}")
_RELATIONS = ("=", r"\approx", r"\leftarrow")
# A row that cannot be broken enough sets the display smaller: beyond this many times the limit, this size.
_SIZES = ((1.3, r"\scriptsize "), (1.15, r"\footnotesize "), (1.0, r"\small "))
_ENV = re.compile(r"\\(begin|end)\{[a-z*]+\}")


def width(tex: str) -> int:
    r"""How wide `tex` reads, in characters: commands, colour names, braces and alignment marks left out,
    a \quad counted as two."""
    tex = _COLOUR.sub("", tex).replace(r"\quad", "mm")
    tex = _COMMAND.sub(lambda m: _drawn(m.group(0)), tex)
    return len(tex.replace(" ", ""))


def _drawn(command: str) -> str:
    """What a command (or a brace, a script mark) counts for in `width`: one character or none."""
    if command in (r"\{", r"\}", r"\|"):
        return "c"
    if len(command) <= 2 or command[1:] in _SILENT:
        return ""
    return "c"


def _tokens(tex: str):
    r"""(index, token, depth) for each token (a command such as `\approx`, or one character), depth counting
    the braces, parentheses, `\left … \right` pairs and environments around it (its own brackets count
    as outside)."""
    depth, i = 0, 0
    while i < len(tex):
        env = _ENV.match(tex, i)
        if env:
            opening = env.group(1) == "begin"
            depth -= 0 if opening else 1
            yield i, env.group(0), depth
            depth += 1 if opening else 0
            i = env.end()
            continue
        command = re.match(r"\\([a-zA-Z]+|.)", tex[i:])
        token = command.group(0) if command else tex[i]
        sized = token in (r"\left", r"\right")
        if sized:  # with its delimiter, which must not count twice
            delimiter = re.match(r"\\([a-zA-Z]+|.)|.", tex[i + len(token):])
            token += delimiter.group(0) if delimiter else ""
        closing = token in ("}", ")") or (sized and token.startswith(r"\right"))
        opening = token in ("{", "(") or (sized and token.startswith(r"\left"))
        depth -= 1 if closing else 0
        yield i, token, depth
        depth += 1 if opening else 0
        i += len(token)


def _split_top(tex: str, separator: str) -> list[str]:
    """`tex` split at each top-level `separator` token (outside braces, parentheses and environments)."""
    parts, start = [], 0
    for i, token, depth in _tokens(tex):
        if depth == 0 and token == separator and i >= start:
            parts.append(tex[start:i])
            start = i + len(token)
    parts.append(tex[start:])
    return parts


def _relation_parts(row: str) -> list[tuple[str, str]]:
    """A row as [(relation, what follows it)], the first relation "" (the left-hand side)."""
    out, start, relation = [], 0, ""
    for i, token, depth in _tokens(row):
        if depth == 0 and token in _RELATIONS:
            out.append((relation, row[start:i].strip()))
            relation, start = token, i + len(token)
    out.append((relation, row[start:].strip()))
    return out


def _terms(expression: str, inner: bool = False) -> list[str]:
    r"""`expression` cut before each binary + or − outside braces and parentheses; with `inner`, also
    inside (round) parentheses, and after a comma there, as in max(a,\ b) (never inside braces, whose
    content is one argument of a command such as \sqrt or \frac)."""
    cuts, previous, stack = [], "", []
    for i, token, _ in _tokens(expression):
        free = not stack or (inner and all(opener == "(" for opener in stack))
        if free and token in ("+", "-") and previous and previous not in "=(,{&^_+-<>" \
                and previous not in _RELATIONS and previous != r"\quad":
            cuts.append(i)
        if free and stack and previous == ",":
            cuts.append(i)
        if token in ("(", "{") or token.startswith((r"\left", r"\begin")) and token != r"\leftarrow":
            stack.append(token)
        elif token in (")", "}") or token.startswith((r"\right", r"\end")) and token != r"\rightarrow":
            stack = stack[:-1]
        if not token.isspace() and token != r"\ ":
            previous = token
    pieces, start = [], 0
    for cut in sorted(set(cuts)):
        pieces.append(expression[start:cut].strip())
        start = cut
    pieces.append(expression[start:].strip())
    return [p for p in pieces if p]


def _words(piece: str, limit: int) -> list[str]:
    """A remark too long for a row, broken between the words of its `\text{…}` and at the spaces of its
    mathematics that lie outside any braces."""
    if width(piece) <= limit:
        return [piece]
    atoms = []
    for segment in re.split(r"(\\text\{[^{}]*\})", piece):
        if segment.startswith(r"\text{"):
            atoms += [rf"\text{{{word} }}" for word in segment[6:-1].split(" ") if word]
        elif segment.strip():
            cuts = [i for i, token, depth in _tokens(segment) if depth == 0 and token == " "]
            bounds = [0, *cuts, len(segment)]
            atoms += [segment[a:b].strip() for a, b in pairwise(bounds) if segment[a:b].strip()]
    rows = []
    for atom in atoms:
        if rows and width(rows[-1] + atom) <= limit:
            rows[-1] += " " + atom
        else:
            rows.append(atom)
    return rows


def _logical_rows(tex: str, limit: int) -> list[str]:
    """The equations in `tex`: the rows of an aligned block (a row that begins with a relation continues the
    one before), with `, \\quad` and `\\quad (` starting a new one."""
    body = tex.strip()
    match = re.fullmatch(r"\\begin\{aligned\}(.*)\\end\{aligned\}", body, flags=re.S)
    if match:
        body = match.group(1)
    rows = []
    for raw in _split_top(body, r"\\"):
        row = " ".join(_split_top(raw, "&")).strip()
        if not row:
            continue
        if rows and row.startswith(_RELATIONS):
            rows[-1] += " " + row
            continue
        parts = _split_top(row, r"\quad")
        if width(row) > limit:  # "a: b ← …, c ← …" as one row each
            parts = [piece for part in parts for piece in _after(part, (r":\ ", r",\ "))]
        for part in parts:
            part = part.strip()
            if not part:
                continue
            if rows and part.startswith("("):
                rows.append("&" + part)  # a remark on the row before, in parentheses: under it
            else:
                rows.append(part)
    return rows


def _after(row: str, marks: tuple[str, ...]) -> list[str]:
    """`row` cut after each top-level `marks` (a colon or a comma followed by a space), the mark kept."""
    pieces, start = [], 0
    for i, token, depth in _tokens(row):
        if depth == 0 and token in (":", ",") and row.startswith(marks, i):
            pieces.append(row[start:i + 1])
            start = i + 3
    pieces.append(row[start:])
    return [p.strip() for p in pieces if p.strip()]


def _wrap_row(row: str, limit: int) -> list[str]:
    r"""One equation as aligned rows: `lhs &= …`, then `&= …` for each relation that does not fit and
    `&\quad + …` for each run of terms that does not."""
    if row.startswith("&"):  # a remark under the row before
        return [r"&\quad " + piece for piece in _words(row[1:].strip(), limit)]
    parts = _relation_parts(row)
    rows, current = [], f"{parts[0][1]} &"
    if len(parts) == 1:  # no relation: a bare expression, broken before its terms
        parts, current = [("", parts[0][1])], "&"
    for relation, rhs in parts[1:] if current != "&" else parts:
        piece = f"{relation} {rhs}".strip()
        if width(current + piece) <= limit:
            current += piece if current.endswith("&") else " " + piece
            continue
        if not current.endswith("&"):
            rows.append(current)
            current = "&"
        room = limit - width(current) - width(relation) - 1
        chunks = _pack(_terms(rhs), room)
        if any(width(chunk) > room for chunk in chunks):
            chunks = _pack(_terms(rhs, inner=True), room)
        chunks = [piece for chunk in chunks for piece in (_words(chunk, room) if r"\text" in chunk else [chunk])]
        current += f"{relation} {chunks[0]}"
        for chunk in chunks[1:]:
            rows.append(current)
            current = r"&\quad {}" + chunk
    rows.append(current)
    return rows


def _pack(terms: list[str], limit: int) -> list[str]:
    """Terms joined greedily into chunks no wider than `limit` where they can be."""
    chunks = []
    for term in terms:
        if chunks and width(chunks[-1] + term) <= limit:
            chunks[-1] += " " + term
        else:
            chunks.append(term)
    return chunks or [""]


def wrap(tex: str, limit: int = PHONE_CHARS, label: str = "") -> str:
    """`tex` (one equation, or an aligned block of them) with every row at most `limit` characters wide
    where it can be broken, and `label` (LaTeX, such as a dial's name) before its first row; unchanged
    but for the label when it already fits. A row that cannot be broken enough sets the whole display
    smaller, by as much as it is too wide."""
    limit -= width(label)
    rows = _logical_rows(tex, limit)
    if not rows:
        return label + tex
    if len(rows) == 1 and width(rows[0]) <= limit and not tex.lstrip().startswith(r"\begin{aligned}"):
        return label + tex
    out = [piece for row in rows for piece in _wrap_row(row, limit)]
    widest = max(width(row) for row in out) / max(limit, 1)
    size = next((command for ratio, command in _SIZES if widest > ratio), "")
    return size + r"\begin{aligned} " + label + r" \\ ".join(out) + r" \end{aligned}"
