"""``POST /credentials/verify`` over HTTP: openler beside a Node.js service built on Digital
Bazaar's ``vc`` library, in one run on this machine (``make bench-http``).

What the run does:

1. builds a world in a temporary SQLite database (``--postgres``: a fresh PostgreSQL
   database): the demo world, then ``--credentials`` distinct Registered Nurse licences the
   demo's Ohio Board of Nursing issues (each with its revocation and suspension entries),
   one more that it revokes, the demo's suspended licence and its expired certificate;
2. for each process count of ``--workers``: starts ``openler serve --workers N`` on that
   database and reads from it, over HTTP, the DID document and the status list credentials
   it publishes; starts ``benchmarks/http/verifier.mjs`` twice (plain ``node:http`` around
   ``@digitalbazaar/vc``, ``@digitalbazaar/data-integrity`` and
   ``@digitalbazaar/eddsa-rdfc-2022-cryptosuite``; node's ``cluster`` for N workers) with
   those documents preloaded: *node-vc* verifies each status list credential once and keeps
   the answer, as openler's cache does; *node-vc/every* verifies it for every credential;
3. checks that each answers a valid licence 200 and the revoked, suspended and expired ones
   400 with the reason;
4. loads each with the same client (``benchmarks/http/load.mjs``: autocannon, the same
   request bodies cycled by every connection, a warm-up run first), the order reversed
   round by round, and prints requests per second, p50 and p99 latency, the CPU time per
   request in each service's processes, and the ratios.

The load generator runs on the same two cores as the service it measures, so every figure
is a floor; the ratio, measured in the same minutes, and the CPU time per request are the
steadier numbers.

Usage: ``python benchmarks/bench_http.py [--credentials 200] [--seconds 10] [--warmup 3]
[--connections 8] [--rounds 3] [--workers 1,2] [--port 0] [--postgres]`` (``--port P``
listens on P, P+1 and P+2; 0 takes free ports).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / "http"
PASSWORD_COST = {"OPENLER_PASSWORD_HASH_TIME_COST": "1", "OPENLER_PASSWORD_HASH_MEMORY_KIB": "1024"}


@dataclass(frozen=True)
class World:
    """What both services verify: ``valid`` request bodies and three that must fail."""

    valid: list[dict[str, Any]]
    revoked: dict[str, Any]
    suspended: dict[str, Any]
    expired: dict[str, Any]
    environment: dict[str, str]

    def failing(self) -> dict[str, dict[str, Any]]:
        return {"revoked": self.revoked, "suspended": self.suspended, "expired": self.expired}


def build_world(
    folder: Path, public_url: str, count: int, database_url: str | None = None
) -> World:
    """The demo world plus ``count`` licences and a revoked one, in ``database_url`` (an
    empty database) or else ``folder/bench.db``."""
    from pydantic import SecretStr

    from openler.services import demo, jobs
    from openler.services.context import Platform
    from openler.services.issuers import achievements, issuing, orgs
    from openler.services.issuers.recipients import Recipient
    from openler.settings import Settings
    from openler.store import Database
    from openler.store.models import IssuedCredential
    from openler.vc import format_datetime

    url = database_url or f"sqlite:///{folder / 'bench.db'}"
    key = base64.b64encode(os.urandom(32)).decode()
    environment = {
        "OPENLER_DATABASE_URL": url,
        "OPENLER_DATA_DIR": str(folder),
        "OPENLER_PUBLIC_URL": public_url,
        "OPENLER_KEY_ENCRYPTION_KEY": key,
        **PASSWORD_COST,
    }
    database = Database(url)
    database.upgrade()
    settings = Settings(
        database_url=url,
        public_url=public_url,
        data_dir=folder,
        key_encryption_key=SecretStr(key),
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
    )
    platform = Platform(settings, database)
    jobs.prepare_database(platform)  # as `openler db upgrade` does (PostgreSQL's job queue)
    try:
        with database.session() as session:
            demo.load(session, platform)
            board = orgs.organization_by_slug(session, "ohio-nursing")
            licence = achievements.achievement_by_slug(session, board, "registered-nurse")

            def issue(number: int) -> IssuedCredential:
                recipient = Recipient(
                    email=f"nurse{number:05}@bench.openler.invalid", name=f"Nurse {number}"
                )
                return issuing.issue(
                    session, platform, demo.LOADER, board, licence, recipient=recipient
                )

            valid = [issue(number).document for number in range(count)]
            revoked = issue(count)
            issuing.set_status(
                session, platform, demo.LOADER, revoked.id, action="revoke", reason="bench"
            )
            suspended = next(
                row
                for row in session.query(IssuedCredential).filter_by(state="suspended")
                if row.organization_id == board.id
            )
            now = format_datetime(platform.now())
            expired = next(  # the demo's IS-100 certificate of four years ago
                row
                for row in session.query(IssuedCredential).order_by(IssuedCredential.id)
                if row.document.get("validUntil", now) < now
            )
            world = World(
                valid=[{"verifiableCredential": d} for d in valid],
                revoked={"verifiableCredential": revoked.document},
                suspended={"verifiableCredential": suspended.document},
                expired={"verifiableCredential": expired.document},
                environment=environment,
            )
            session.commit()
    finally:
        database.dispose()
    return world


def did_web_url(did: str) -> str:
    """did:web:host%3Aport:orgs:slug → http://host:port/orgs/slug/did.json (plain HTTP:
    the bench's server listens on 127.0.0.1)."""
    host, *path = did.removeprefix("did:web:").split(":")
    tail = "/".join(path) if path else ".well-known"
    return f"http://{host.replace('%3A', ':')}/{tail}/did.json"


def published_documents(world: World) -> dict[str, Any]:
    """The issuer's DID document and every status list credential the bodies name, as the
    running openler publishes them (keyed by DID and by URL)."""
    documents: dict[str, Any] = {}
    bodies = [*world.valid, *world.failing().values()]
    for body in bodies:
        credential = body["verifiableCredential"]
        issuer = credential["issuer"]
        did = issuer["id"] if isinstance(issuer, dict) else issuer
        urls = {did: did_web_url(did)}
        urls.update({e["statusListCredential"]: "" for e in credential["credentialStatus"]})
        for name, address in urls.items():
            if name not in documents:
                answer = httpx.get(address or name, timeout=10)
                answer.raise_for_status()
                documents[name] = answer.json()
    return documents


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(f"{url}/credentials/verify", json={}, timeout=2)
            return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server at {url} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


@contextlib.contextmanager
def running(
    command: list[str], url: str, log: Path, env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env={**os.environ, **env}
        )
    try:
        wait_until_up(url, process, log)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def openler_command(port: int, workers: int) -> list[str]:
    command = [sys.executable, "-c", "from openler.cli import main; main()", "serve"]
    return [*command, "--port", str(port), "--workers", str(workers)]


def node_command(port: int, documents: Path, workers: int, verify_lists: str) -> list[str]:
    script = str(NODE_DIR / "verifier.mjs")
    return [
        *("node", script, "--port", str(port), "--documents", str(documents)),
        *("--workers", str(workers), "--verify-lists", verify_lists),
    ]


#: words the reason must hold, by case: openler's ("Revoked by …", "expired on …") or
#: vc.js's ("status revocation is set", "… is after \"validUntil\" …")
REASONS = {
    "revoked": ("revoked", "revocation"),
    "suspended": ("suspen",),
    "expired": ("expired", "validuntil"),
}


def check_answers(name: str, url: str, world: World) -> None:
    """A valid licence → 200 verified; revoked, suspended, expired → 400 not verified,
    saying why."""
    cases: list[tuple[str, dict[str, Any], int, tuple[str, ...]]] = [
        ("valid", world.valid[0], 200, ("",))
    ]
    cases += [(label, body, 400, REASONS[label]) for label, body in world.failing().items()]
    for label, body, status, reasons in cases:
        answer = httpx.post(f"{url}/credentials/verify", json=body, timeout=30)
        verdict = answer.json()
        errors = " ".join(verdict.get("errors", [])).lower()
        said = any(word in errors for word in reasons)
        if answer.status_code != status or verdict.get("verified") != (status == 200) or not said:
            raise SystemExit(
                f"{name} answered the {label} licence with {answer.status_code}: {answer.text}"
            )
    print(f"  {name:14} valid 200; revoked, suspended, expired 400 — as expected")


def load(url: str, bodies: Path, options: argparse.Namespace) -> dict[str, Any]:
    """One measured run of ``load.mjs`` (after its warm-up) against ``url``."""
    connections, seconds, warmup = options.connections, options.seconds, options.warmup
    done = subprocess.run(
        [
            *("node", str(NODE_DIR / "load.mjs"), "--url", url, "--bodies", str(bodies)),
            *(
                "--connections",
                str(connections),
                "--seconds",
                str(seconds),
                "--warmup",
                str(warmup),
            ),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 120,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if result["errors"] or result["non2xx"]:
        raise SystemExit(f"{url}: {result['errors']} errors, {result['non2xx']} non-2xx answers")
    return result


def loadavg() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


#: the Node.js services: a status list credential verified once and its answer kept (as
#: openler keeps what it verified until its publication token changes), or verified again
#: for every credential that names it
NODE_SERVICES = {"node-vc": "once", "node-vc/every": "every-time"}


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of process ``pid`` and all its descendants, from /proc
    (NaN where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return float("nan")
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(int(child)) for child in children)


def measure(
    urls: dict[str, str], pids: dict[str, int], bodies: Path, options: argparse.Namespace
) -> dict[str, list[dict[str, Any]]]:
    """``options.rounds`` runs of each service, the order turned round each round; each
    run's CPU time per request in the service's processes (warm-up included)."""
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in urls}
    for round_number in range(options.rounds):
        order = list(urls) if round_number % 2 == 0 else list(reversed(urls))
        for name in order:
            before = cpu_seconds(pids[name])
            result = load(urls[name], bodies, options)
            spent = cpu_seconds(pids[name]) - before
            result["cpu_ms"] = spent * 1000 / (result["requests"] + result["warmupRequests"])
            results[name].append(result)
            print(
                f"  round {round_number + 1} {name:14} {result['rps']:7.0f}/s "
                f"p50 {result['p50']:5.1f} ms  p99 {result['p99']:6.1f} ms  "
                f"CPU {result['cpu_ms']:5.2f} ms a request"
            )
    return results


def print_table(rows: list[tuple[int, dict[str, list[dict[str, Any]]]]], rounds: int) -> None:
    print(
        f"{'service':14} {'processes':>9} {'requests/s':>11} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'CPU ms/request':>15}"
    )
    for workers, results in rows:
        medians, cpus = {}, {}
        for name, runs in results.items():
            middle = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
            medians[name] = middle["rps"]
            cpus[name] = cpu = statistics.median(r["cpu_ms"] for r in runs)
            print(
                f"{name:14} {workers:>9} {middle['rps']:>11.0f} {middle['p50']:>7.1f} "
                f"{middle['p99']:>7.1f} {cpu:>15.2f}"
            )
        for node in NODE_SERVICES:
            ratio = medians["openler"] / medians[node]
            paired = [
                mine["rps"] / theirs["rps"]
                for mine, theirs in zip(results["openler"], results[node], strict=True)
            ]
            print(
                f"{'ratio':14} {workers:>9} {ratio:>10.2f}×  openler / {node} "
                f"(round by round {min(paired):.2f}–{max(paired):.2f}×; "
                f"by CPU a request {cpus[node] / cpus['openler']:.2f}×)"
            )
    print(
        f"(each line: the run with the median requests/s of {rounds}, with its own p50/p99; "
        "CPU: the median of the runs, in the service's processes)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--credentials", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="openler on a fresh PostgreSQL database (OPENLER_BENCH_DATABASE_URL, else the "
        "local server) instead of SQLite",
    )
    options = parser.parse_args()
    with contextlib.ExitStack() as stack:
        database_url = None
        if options.postgres:
            from bench_issue import postgres_database

            database_url = stack.enter_context(postgres_database("bench_http"))
            if database_url is None:
                raise SystemExit("--postgres: no PostgreSQL server answers")
        run(options, database_url)


def run(options: argparse.Namespace, database_url: str | None) -> None:
    """Build the world, then measure each process count in turn."""
    if shutil.which("node") is None or not (NODE_DIR / "node_modules").is_dir():
        raise SystemExit("bench-http needs node and `npm ci` in benchmarks/http (make bench-http)")
    ports = [options.port + i if options.port else free_port() for i in range(3)]
    urls = dict(
        zip(["openler", *NODE_SERVICES], [f"http://127.0.0.1:{p}" for p in ports], strict=True)
    )
    started = datetime.now(UTC)
    print(
        f"bench-http {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"load average {loadavg()}; {options.credentials} distinct licences, "
        f"{options.connections} connections, {options.seconds} s a run after "
        f"{options.warmup} s of warm-up; openler on " + ("PostgreSQL" if database_url else "SQLite")
    )
    with tempfile.TemporaryDirectory(prefix="openler-bench-http-") as tmp:
        folder = Path(tmp)
        world = build_world(folder, urls["openler"], options.credentials, database_url)
        bodies = folder / "bodies.json"
        bodies.write_text(json.dumps(world.valid))
        documents = folder / "documents.json"
        rows = []
        for workers in [int(w) for w in options.workers.split(",")]:
            with contextlib.ExitStack() as stack:
                server = running(
                    openler_command(ports[0], workers),
                    urls["openler"],
                    folder / "openler.log",
                    world.environment,
                )
                pids = {"openler": stack.enter_context(server).pid}
                documents.write_text(json.dumps(published_documents(world)))
                for port, (name, verify_lists) in zip(
                    ports[1:], NODE_SERVICES.items(), strict=True
                ):
                    command = node_command(port, documents, workers, verify_lists)
                    server = running(command, urls[name], folder / "node.log", {})
                    pids[name] = stack.enter_context(server).pid
                print(f"{workers} process(es) each:")
                for name, url in urls.items():
                    check_answers(name, url, world)
                rows.append((workers, measure(urls, pids, bodies, options)))
        print()
        print(f"load average at the end: {loadavg()}")
        print_table(rows, options.rounds)


if __name__ == "__main__":
    main()
