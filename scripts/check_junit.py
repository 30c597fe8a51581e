"""Fail a test run that pytest considers green but we don't: skipped tests, or none at all.

Usage: check_junit.py JUNIT_XML PYTEST_LOG
Prints nothing and exits 0 when the run is acceptable. Otherwise prints why, then repeats
pytest's summary line so that it stays the last line of the output, and exits 1.
"""
import sys
import xml.etree.ElementTree as ET


def main(junit_path, log_path):
    root = ET.parse(junit_path).getroot()
    suites = [root] if root.tag == 'testsuite' else root.findall('testsuite')
    tests = sum(int(s.get('tests', 0)) for s in suites)
    problems = []
    skipped = []
    for case in root.iter('testcase'):
        for skip in case.findall('skipped'):
            name = f"{case.get('classname')}::{case.get('name')}"
            skipped.append(f"  {name}: {skip.get('message', '')}")
    if skipped:
        problems.append(f"{len(skipped)} test(s) skipped; a skipped test fails the run:")
        problems.extend(skipped)
    if tests == 0:
        problems.append("no test ran")
    if not problems:
        return 0
    print("\n".join(["", "TEST RUN REJECTED:"] + problems), file=sys.stderr)
    with open(log_path, encoding='utf-8', errors='replace') as f:
        lines = [line.rstrip('\n') for line in f if line.strip()]
    if lines:
        sys.stderr.flush()
        print(lines[-1])
    return 1


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:3]))
