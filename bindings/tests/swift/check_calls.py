"""Checks the iOS shell's calls into the core against the generated Swift
bindings, since no Swift compiler runs here: every call of a core method,
function or record initialiser must name a declared function with argument
labels it accepts (in order, skipping only defaulted parameters).

    python3 check_calls.py GENERATED/pph.swift ios/App

Exits 1 listing each mismatch as file:line. It reads names and labels only;
types, optionality and everything SwiftUI are for Xcode to check.
"""
import re
import sys
from pathlib import Path

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def balanced(text, start):
    """The text between the '(' at `start` and its matching ')'."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
    raise ValueError("unbalanced parentheses")


def split_top(args):
    parts, depth, current, quoted = [], 0, "", False
    for c in args:
        if c == '"':
            quoted = not quoted
        if not quoted:
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
            elif c == "," and depth == 0:
                parts.append(current)
                current = ""
                continue
        current += c
    if current.strip():
        parts.append(current)
    return parts


def params(decl_args):
    """[(label or None, has_default)] of a declaration's parameter list."""
    out = []
    for p in split_top(decl_args):
        names = p.split(":", 1)[0].split()
        label = names[0].strip("`") if names else None
        out.append((None if label == "_" else label, "=" in p.split(":", 1)[1] if ":" in p else False))
    return out


def body_of(text, brace):
    """The text inside the '{' at `brace` and its matching '}'."""
    swapped = text.replace("{", "(").replace("}", ")")
    return balanced(swapped, brace)


def funcs(text):
    out = {}
    for m in re.finditer(rf"\bfunc\s+`?({IDENT})`?\s*(<[^>]*>)?\s*\(", text):
        out.setdefault(m.group(1), []).append(params(balanced(text, m.end() - 1)))
    return out


def inits(text, kinds):
    """{type: [params]} of the inits written inside each type's body."""
    out = {}
    for m in re.finditer(rf"\b(?:{kinds})\s+({IDENT})[^{{]*\{{", text):
        if m.group(1).startswith(("FfiConverter", "Uniffi")):
            continue
        body = body_of(text, m.end() - 1)
        for init in re.finditer(r"\binit\s*\(", body):
            out.setdefault(m.group(1), []).append(params(balanced(body, init.end() - 1)))
    return out


def merge(*maps):
    out = {}
    for m in maps:
        for name, sigs in m.items():
            out.setdefault(name, []).extend(sig for sig in sigs if sig not in out.get(name, []))
    return out


def core_api(text):
    """What the shell may call: protocol methods, top-level public functions,
    static constructors, and public records' initialisers."""
    protocols = [
        body_of(text, m.end() - 1)
        for m in re.finditer(rf"^public protocol {IDENT}[^{{]*\{{", text, flags=re.M)
    ]
    top_level = re.findall(rf"^public func [^\n]*", text, flags=re.M)
    statics = re.findall(rf"^\s*public static func (?!lift|lower|read|write)[^\n]*", text, flags=re.M)
    return merge(
        *(funcs(p) for p in protocols),
        funcs("\n".join(top_level + statics)),
        inits(text, "public struct"),
    )


def declarations(text):
    """{name: [params]} of every func and every type's explicit init."""
    return merge(funcs(text), inits(text, "struct|class|enum"))


def accepts(declared, labels):
    i = 0
    for label in labels:
        while i < len(declared) and declared[i][0] != label and declared[i][1]:
            i += 1
        if i == len(declared) or declared[i][0] != label:
            return False
        i += 1
    return all(default for _, default in declared[i:])


def call_labels(args):
    labels = []
    for a in split_top(args):
        m = re.match(rf"\s*({IDENT})\s*:(?!:)", a)
        labels.append(m.group(1) if m else None)
    return labels


def main(generated, app_dir):
    core = core_api(strip_comments(Path(generated).read_text()))
    sources = {p: strip_comments(p.read_text()) for p in sorted(Path(app_dir).rglob("*.swift"))}
    local = {}
    for text in sources.values():
        for name, sigs in declarations(text).items():
            local.setdefault(name, []).extend(sigs)
    problems, checked = [], 0
    for path, text in sources.items():
        for m in re.finditer(rf"(?<![\w.]func )(?<!init)\b({IDENT})\s*\(", text):
            name = m.group(1)
            before = text[max(0, m.start() - 5) : m.start()]
            if name not in core or before.endswith("func "):
                continue
            labels = call_labels(balanced(text, m.end() - 1))
            checked += 1
            if not any(accepts(sig, labels) for sig in core[name] + local.get(name, [])):
                line = text.count("\n", 0, m.start()) + 1
                wanted = " or ".join(
                    "(" + ", ".join((l or "_") + (":=" if d else ":") for l, d in sig) + ")" for sig in core[name]
                )
                given = ", ".join((l or "_") + ":" for l in labels)
                problems.append(f"{path}:{line}: {name}({given}) does not match {wanted}")
    for p in problems:
        print(p)
    print(f"{checked} calls into the core checked, {len(problems)} mismatched")
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
