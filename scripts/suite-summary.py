#!/usr/bin/env python3
"""The test script's closing lines: one per suite, saying whether it ran,
was skipped (and why) or failed, then the total over every test cargo ran.

Reads the whole run's output (the file given): cargo's `test NAME ... ok`
lines, the `SUITE NOT RUN [service]: reason` lines a suite prints when its
service is missing (tests/src/service.rs), the `SERVICE UNAVAILABLE
[service]: reason` lines scripts/test.sh prints when it could not start
one, and the hazard log's and size check's own lines (with `CHECK FAILED
[label]` after one that failed). Exits 1 when a suite
was skipped under CI=true (CI may skip nothing) or a suite failed."""

import os
import re
import sys

TEST = re.compile(r"^test (\S+) \.\.\. (ok|FAILED|ignored)", re.M)
RESULT = re.compile(
    r"^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored", re.M
)
RUNNING = re.compile(r"^\s*Running (?:unittests )?(\S+) \(", re.M)
NOT_RUN = re.compile(r"^SUITE NOT RUN \[([^\]]+)\]: (.*)$", re.M)
UNAVAILABLE = re.compile(r"^SERVICE UNAVAILABLE \[([^\]]+)\]: (.*)$", re.M)

# (suite, service whose absence skips it, a tuple of several, or None, how
# its tests are found: a regex over test names, or the test files cargo
# announces as `Running FILE`).
SUITES = [
    ("PostgreSQL backend (conformance, property, relays)", "PostgreSQL", ("name", r"postgres")),
    ("FHIR validation (FHIR.js)", "FHIR validator",
     ("files", ["tests/archive.rs", "tests/referrals.rs", "tests/diary.rs", "tests/day_of_use.rs"])),
    ("Python bindings", None, ("name", r"^python_bindings_pass_the_suites$")),
    ("Kotlin bindings and Android state holders", None, ("name", r"^kotlin_bindings_pass_the_suite$")),
    ("iOS shell's calls against the Swift bindings", None, ("name", r"^ios_shell_calls_match_the_swift_bindings$")),
    ("iOS state holders in Swift", "Swift", ("name", r"^ios_state_holders_pass_the_suite_in_swift$")),
    ("clinic pages in Chromium (with axe)", None, ("files", ["tests/clinic.rs"])),
    ("the store against stock SQLCipher 4", "SQLCipher", ("files", ["tests/sqlcipher.rs"])),
    ("three relays on one PostgreSQL behind HAProxy", ("PostgreSQL", "HAProxy"),
     ("files", ["tests/cluster.rs"])),
]


def tests_by_file(log):
    """[(file cargo announced, test name, outcome)] in order."""
    found, current = [], None
    for line in log.splitlines():
        m = RUNNING.match(line)
        if m:
            current = m.group(1)
            continue
        m = TEST.match(line)
        if m:
            found.append((current, m.group(1), m.group(2)))
    return found


def suite_line(name, service, how, tests, skipped, ci):
    """(state, line) for one suite."""
    kind, pattern = how
    if kind == "name":
        mine = [t for t in tests if re.search(pattern, t[1])]
    else:
        mine = [t for t in tests if t[0] in pattern]
    failed = sum(1 for t in mine if t[2] == "FAILED")
    passed = sum(1 for t in mine if t[2] == "ok")
    missing = [s for s in (service if isinstance(service, tuple) else (service,)) if s in skipped]
    if missing:
        state = "FAILED" if ci else "skipped"
        return state, f"{state:8} {name}: {'; '.join(skipped[s] for s in missing)}"
    if failed:
        return "FAILED", f"{'FAILED':8} {name}: {failed} failed, {passed} passed"
    if passed == 0:
        return "FAILED", f"{'FAILED':8} {name}: no test of it ran"
    return "ran", f"{'ran':8} {name}: {passed} passed"


def main():
    log = open(sys.argv[1], errors="replace").read()
    ci = os.environ.get("CI") in ("true", "1")
    skipped = {}
    for service, reason in UNAVAILABLE.findall(log) + NOT_RUN.findall(log):
        skipped.setdefault(service, reason.strip())
    tests = tests_by_file(log)
    print("suites:")
    print(f"{'ran':8} formatting, dependency policy, spelling, clippy")
    bad = False
    for name, service, how in SUITES:
        state, line = suite_line(name, service, how, tests, skipped, ci)
        bad |= state == "FAILED"
        print(line)
    # scripts/test.sh marks a check that failed with `CHECK FAILED [label]`.
    for label in ["hazard log", "library size"]:
        said = re.findall(rf"^{label}: (.*)$", log, re.M)
        state = "ran" if said and f"CHECK FAILED [{label}]" not in log else "FAILED"
        bad |= state == "FAILED"
        print(f"{state:8} {label}: {said[-1] if said else 'did not run'}")
    passed = failed = ignored = 0
    for p, f, i in RESULT.findall(log):
        passed, failed, ignored = passed + int(p), failed + int(f), ignored + int(i)
    print(f"total: {passed} passed, {failed} failed, {ignored} skipped")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
