#!/usr/bin/env python3
# The thread_safety_analysis lint: runs clang++ -fsyntax-only -Wthread-safety
# -Werror=thread-safety over every translation unit of common/, milter/, policyd/ and tools/ that
# includes common/core/mutex.h (directly or through the repository's own headers), with the include
# paths and defines compile_commands.json gives it (the build may use g++: only -I, -isystem,
# -iquote, -D, -U, -include and -std are taken). First it proves the check can fail: the probe
# (tests/lint/thread_safety_probe.cpp) touches a guarded member without its lock and must be
# rejected with that warning. Exit 0 clean, 1 on any warning (the diagnostics are printed), 77
# (ctest's skip) when clang++ is not installed.
#   thread_safety.py COMPILE_COMMANDS SOURCE_DIR [FILE...]   (FILE...: only these sources)
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

AREAS = ("common/", "milter/", "policyd/", "tools/")
MUTEX_HEADER = "common/core/mutex.h"
CLANG_FLAGS = ["-fsyntax-only", "-Wno-everything", "-Wthread-safety", "-Werror=thread-safety"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def clang():
    for name in ("clang++", "clang++-14"):
        path = shutil.which(name)
        if path:
            return path
    return None


def kept_flags(entry):
    args = entry.get("arguments") or shlex.split(entry["command"])
    kept, i = [], 1
    while i < len(args):
        a = args[i]
        if a in ("-I", "-isystem", "-iquote", "-D", "-U", "-include") and i + 1 < len(args):
            kept += [a, args[i + 1]]
            i += 2
            continue
        if a.startswith(("-I", "-D", "-U", "-std=", "-isystem", "-iquote")):
            kept.append(a)
        i += 1
    return kept


def uses_mutex(path, root, seen):
    """Whether path, or a repository header it includes, includes common/core/mutex.h."""
    if path in seen:
        return seen[path]
    seen[path] = False
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return False
    for inc in INCLUDE.findall(text):
        if inc == MUTEX_HEADER or uses_mutex(os.path.join(root, inc), root, seen):
            seen[path] = True
            break
    return seen[path]


def run(cc, flags, source):
    p = subprocess.run([cc] + CLANG_FLAGS + flags + [source], capture_output=True, text=True)
    return p.returncode, p.stderr


def main():
    if len(sys.argv) < 3:
        print(__doc__ or "usage: thread_safety.py COMPILE_COMMANDS SOURCE_DIR [FILE...]", file=sys.stderr)
        return 2
    commands, root = sys.argv[1], os.path.realpath(sys.argv[2])
    cc = clang()
    if not cc:
        print("SKIP: clang++ is not installed (tools/install-deps.sh installs clang); "
              "g++ has no -Wthread-safety")
        return 77
    with open(commands, encoding="utf-8") as f:
        entries = json.load(f)
    only = {os.path.realpath(os.path.join(root, p)) for p in sys.argv[3:]}
    seen, units = {}, []
    for e in entries:
        src = os.path.realpath(os.path.join(e.get("directory", ""), e["file"]))
        rel = os.path.relpath(src, root)
        if not rel.startswith(AREAS) or (only and src not in only):
            continue
        if uses_mutex(src, root, seen):
            units.append((rel, src, kept_flags(e)))
    if not units:
        print("no translation unit includes " + MUTEX_HEADER + " in " + commands, file=sys.stderr)
        return 1
    # The check can fail: an unlocked access to a guarded member is an error.
    probe = os.path.join(root, "tests/lint/thread_safety_probe.cpp")
    rc, err = run(cc, ["-I" + root, "-std=c++20"], probe)
    if rc == 0 or "requires holding mutex" not in err:
        print("the probe was not rejected; the analysis is not running:\n" + err)
        return 1
    failed = 0
    with ThreadPoolExecutor(max_workers=int(os.environ.get("POSTERN_LINT_JOBS", "2"))) as pool:
        for (rel, _, _), (rc, err) in zip(units, pool.map(lambda u: run(cc, u[2], u[1]), units)):
            if rc != 0:
                failed += 1
                print(f"--- {rel}\n{err}")
    print(f"{len(units)} translation units checked with {cc}, {failed} with thread-safety errors; "
          "the unlocked probe was rejected")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
