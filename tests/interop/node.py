"""Run implementations others wrote (npm packages under ``tests/interop``) from the tests.

``make test`` installs them with ``npm ci`` from ``tests/interop/package-lock.json``; a test
that needs them fails — it never skips — when Node.js or the packages are missing, so an
interop check cannot pass by not running.

- :func:`run_node` runs a script once: JSON in on stdin, JSON out on stdout.
- :func:`node_server` starts a script that serves HTTP on 127.0.0.1 (a wallet, issuer or
  verifier written by others, wrapped in a few lines of ours) and yields its base URL; the
  script prints ``{"listening": PORT}`` as its first line of output.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MODULES = HERE / "node_modules"


def node_binary() -> str:
    found = shutil.which("node")
    if found is None:
        raise AssertionError("Node.js is not installed: the interop tests need `node` (20+)")
    if not (MODULES / ".package-lock.json").exists():
        raise AssertionError(
            "the interop packages are not installed: run `make test`, or `npm ci` in tests/interop"
        )
    return found


def run_node(script: str | Path, payload: Any = None, *, timeout: float = 60) -> Any:
    """Run ``script`` (a path, relative to ``tests/interop``) with ``payload`` as JSON on its
    stdin; return the JSON it prints last. A non-zero exit fails with its stderr."""
    path = HERE / script
    done = subprocess.run(
        [node_binary(), str(path)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=HERE,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )
    if done.returncode != 0:
        raise AssertionError(f"{script} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if not lines:
        raise AssertionError(f"{script} printed nothing; stderr:\n{done.stderr[-4000:]}")
    return json.loads(lines[-1])


@contextlib.contextmanager
def node_server(script: str | Path, *args: str, timeout: float = 30) -> Iterator[str]:
    """Start ``script`` as a server on 127.0.0.1 and yield ``http://127.0.0.1:PORT``."""
    process = subprocess.Popen(
        [node_binary(), str(HERE / script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=HERE,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        if not first:
            _, err = process.communicate(timeout=timeout)
            raise AssertionError(f"{script} did not start:\n{err[-4000:]}")
        port = int(json.loads(first)["listening"])
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
