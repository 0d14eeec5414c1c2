#!/usr/bin/env python3
"""Checks, after the whole suite, that every test docs/safety/HAZARD_LOG.md
names ran and passed in this run. Reads the output of `cargo test
--workspace` (the file given) and fails listing each named test that did
not pass: missing, ignored, filtered out or failed.

A test is named `file::test`. For an integration test (`<crate>/tests/F.rs`)
it must pass in the suite cargo announces as `Running tests/F.rs`; for a
unit test (`<crate>/src/a/b.rs::tests::t`) in that crate's `unittests`
suite, as `a::b::tests::t`."""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
NAMED = re.compile(r"`([a-z0-9_/]+\.rs)::([A-Za-z0-9_:]+)`")
RUNNING = re.compile(r"^\s*Running (unittests )?(\S+) \((.*)\)$")
PASSED = re.compile(r"^test (\S+) \.\.\. ok$")


def crate_name(crate_dir):
    text = (ROOT / crate_dir / "Cargo.toml").read_text()
    name = re.search(r'^name\s*=\s*"([^"]+)"', text, re.M).group(1)
    return name.replace("-", "_")


def expected(file, test):
    """(suite key, test name as cargo prints it)."""
    crate_dir, _, rest = file.partition("/")
    if rest.startswith("tests/"):
        return ("tests", rest), test
    module = rest.removeprefix("src/").removesuffix(".rs").split("/")
    if module[-1] in ("lib", "mod", "main"):
        module = module[:-1]
    return ("unit", crate_name(crate_dir)), "::".join(module + [test])


def passed(output):
    """{suite key: {passed test names}} from cargo's output."""
    suites, current = {}, None
    for line in output.splitlines():
        m = RUNNING.match(line)
        if m:
            unit, path, binary = m.groups()
            stem = pathlib.Path(binary).name.rsplit("-", 1)[0]
            current = ("unit", stem) if unit else ("tests", path)
            suites.setdefault(current, set())
            continue
        m = PASSED.match(line)
        if m and current:
            suites[current].add(m.group(1))
    return suites


def main():
    log = (ROOT / "docs/safety/HAZARD_LOG.md").read_text()
    suites = passed(pathlib.Path(sys.argv[1]).read_text(errors="replace"))
    named = sorted(set(NAMED.findall(log)))
    missing = []
    for file, test in named:
        suite, name = expected(file, test)
        if name not in suites.get(suite, set()):
            missing.append(f"{file}::{test}")
    if missing:
        print("hazard log: these named tests did not run and pass:")
        for m in missing:
            print(f"  {m}")
        return 1
    print(f"hazard log: all {len(named)} named tests ran and passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
