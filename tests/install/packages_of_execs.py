#!/usr/bin/env python3
"""Checks that every program the test suite executed comes from a Debian
package that a fresh machine is sure to have (Essential or Priority:
required) or that contrib/install-deps.sh installs, directly or as a
dependency of what it names.  A program found only because someone once
installed its package by hand is what this catches.

usage: packages_of_execs.py EXECS_FILE PACKAGE...   (PACKAGE: install-deps' list)
Prints TAP: one line, and the programs at fault under it."""
import os
import re
import subprocess
import sys

SYSTEM_PREFIXES = ("/usr/", "/bin/", "/sbin/", "/lib")


def installed_packages():
    """name -> (essential, priority, [[alternatives] of Depends and Pre-Depends])"""
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package}\t${Status}\t${Essential}\t${Priority}\t${Pre-Depends}, ${Depends}\n"],
        capture_output=True, text=True, check=True).stdout
    packages = {}
    for line in out.splitlines():
        name, status, essential, priority, depends = line.split("\t")
        if not status.endswith(" installed"):
            continue
        groups = []
        for group in depends.split(","):
            alternatives = [re.sub(r"[\s(:].*", "", a.strip()) for a in group.split("|")]
            alternatives = [a for a in alternatives if a]
            if alternatives:
                groups.append(alternatives)
        packages[name] = (essential == "yes", priority, groups)
    return packages


def provided_by(packages):
    """virtual name -> installed packages that provide it"""
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\t${Status}\t${Provides}\n"],
                         capture_output=True, text=True, check=True).stdout
    provides = {}
    for line in out.splitlines():
        name, status, provided = line.split("\t")
        if not status.endswith(" installed"):
            continue
        for p in provided.split(","):
            p = re.sub(r"[\s(:].*", "", p.strip())
            if p:
                provides.setdefault(p, []).append(name)
    return provides


def guaranteed(packages, provides, named):
    """What a fresh machine has plus what installing `named` brings along."""
    todo = [p for p, (essential, priority, _) in packages.items() if essential or priority == "required"]
    todo += [p for p in named if p in packages]
    have = set()
    while todo:
        p = todo.pop()
        if p in have or p not in packages:
            continue
        have.add(p)
        for alternatives in packages[p][2]:
            for a in alternatives:
                for real in [a] + provides.get(a, []):
                    if real in packages:
                        todo.append(real)
                        break
                else:
                    continue
                break
    return have


def package_of(path):
    candidates = [path, os.path.realpath(path)]
    for c in list(candidates):
        if c.startswith("/usr/"):
            candidates.append(c[4:])
        else:
            candidates.append("/usr" + c)
    for c in candidates:
        r = subprocess.run(["dpkg-query", "-S", c], capture_output=True, text=True)
        for line in r.stdout.splitlines():
            if r.returncode == 0 and not line.startswith("diversion by"):
                return line.split(":")[0].split(",")[0].strip()
    return None


def main():
    execs_file, named = sys.argv[1], sys.argv[2:]
    paths = set()
    with open(execs_file, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("/") and line.startswith(SYSTEM_PREFIXES):
                paths.add(line)
    packages = installed_packages()
    have = guaranteed(packages, provided_by(packages), named)
    missing, unowned = {}, []
    for path in sorted(paths):
        if not os.path.exists(path):
            continue
        pkg = package_of(path)
        if pkg is None:
            unowned.append(path)
        elif pkg not in have:
            missing.setdefault(pkg, []).append(path)
    status = "ok" if paths and not missing else "not ok"
    print(f"{status} 1 - every program the suite ran ({len(paths)}) comes from a package a fresh machine "
          f"has or contrib/install-deps.sh --tests installs")
    for pkg, progs in sorted(missing.items()):
        print(f"#   not installed by contrib/install-deps.sh: {pkg} ({', '.join(progs)})")
    for path in unowned:
        print(f"#   from no package (the project's own, or installed by hand): {path}")
    print("1..1")
    return 0 if status == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
