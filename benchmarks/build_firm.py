"""Benchmark: build a synthetic firm of N clients with Coachbook against fair baselines; time what coaches wait for.

It generates a firm of N engagements in a scratch folder, varied like the
sample firm (each is a copy of one of the sample engagements, with new names,
organisations, emails and phones), and a program of ten stages, so that each
client site has about twenty pages plus the print page. Then it measures, on
the same machine, each as whole processes, in CPU seconds (user + system of
the whole process tree) and wall seconds:

  (a) the fair baseline: a plain `mkdocs build` of a firm of exactly one
      client, with the same config, theme and program;
  (a') the naive in-firm loop: a plain `mkdocs build` of one client inside
      the firm of N (it reads and audits against every engagement, so it gets
      slower as N grows; timed on a sample of clients, labelled as such);
  (b) `coachbook build` of the whole firm from clean (no site, no caches);
  (c) `coachbook build` again, nothing changed;
  (d) `coachbook build` after editing one engagement;
  (e) `coachbook serve --client X`: start to first page, and a saved engagement
      to the changed page over HTTP on 127.0.0.1 (median of 5);
  (f) `coachbook check` of the whole firm, with its cache warm and cold.

Coachbook is timed as `pip install coachbook` leaves it, with its modules
compiled to bytecode: the benchmark compiles the package it imports first.
An editable install compiles them on first use, unless PYTHONDONTWRITEBYTECODE
is set (as on some CI machines and sandboxes), when every command would compile
two hundred modules again, a third of a second of each `serve` and `check`.

Comparisons are interleaved (A B A B ..., `--pairs` of each) and reported as
median and range, because these machines are shared and noisy.

Output from an earlier run is moved aside (`discard`), and deleted only when
the benchmark ends, never just before a timed build. On ext4 without a journal
(as on these machines) the kernel does not reuse an inode deleted in the last
minute or more, and scans past each one whenever a file is created: a build
that follows the deletion of a thousand sites spends seconds of system time in
that scan, which a fresh clone or CI runner never does. It also reports
the memory of the build's processes and the bytes of one client site.

    python benchmarks/build_firm.py -n 200
    python benchmarks/build_firm.py -n 1000 --pairs 3 --naive-sample 5
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-24"
FIRST = [
    "Amara",
    "Bastien",
    "Caius",
    "Delphine",
    "Emeka",
    "Freya",
    "Gideon",
    "Halima",
    "Ilse",
    "Joaquin",
    "Kalani",
    "Leocadia",
    "Matthias",
    "Nerys",
    "Oyelaran",
    "Perpetua",
    "Quillon",
    "Rosalind",
    "Saoirse",
    "Thaddeus",
    "Ulrika",
    "Valentin",
    "Wilhelmina",
    "Xiomara",
    "Yevgenia",
    "Zebulon",
    "Anouk",
    "Bartholomew",
    "Cordelia",
    "Dashiell",
    "Eulalia",
    "Florentin",
]
LAST = [
    "Abernathy",
    "Bjornstad",
    "Castellanos",
    "Dragomir",
    "Eberhardt",
    "Fairweather",
    "Grimaldi",
    "Hollingsworth",
    "Ishikawa",
    "Jankowski",
    "Kettleborough",
    "Lindqvist-Ramos",
    "Montgomery",
    "Nakashima",
    "Oyelowo",
    "Prendergast",
    "Quarrington",
    "Rasmussen",
    "Szczepanski",
    "Thistlewood",
    "Umberfield",
    "Vandersloot",
    "Wetherby",
    "Xanthopoulos",
    "Yarborough",
    "Zimmerling",
    "Achterberg",
    "Brunnhilde",
    "Cavendish",
    "Delacroix",
    "Esterhazy",
    "Fitzwilliam",
]
ORG = [
    "Quillfeather",
    "Ironbark",
    "Saltmarsh",
    "Copperline",
    "Westerly",
    "Thornbury",
    "Kestrel",
    "Lanternfish",
    "Marrowbone",
    "Nettlecombe",
    "Oakhampton",
    "Pebbledash",
    "Quayside",
    "Ravensworth",
    "Silverbirch",
    "Tidewater",
    "Umbrage",
    "Verdigris",
    "Wolfsbane",
    "Yellowhammer",
]
KIND = [
    "Freight",
    "Mutual",
    "Analytics",
    "Foundry",
    "Pharma",
    "Robotics",
    "Textiles",
    "Shipping",
    "Ceramics",
    "Orchards",
]
EXTRA_STAGES = (
    ("follow-up-three-months", "Follow-up at three months"),
    ("follow-up-six-months", "Follow-up at six months"),
    ("follow-up-one-year", "Follow-up after a year"),
)


def identity(i: int) -> dict[str, str]:
    first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
    org = f"{ORG[i % len(ORG)]} {KIND[(i // len(ORG)) % len(KIND)]} {i // (len(ORG) * len(KIND)) + 1}"
    sponsor_first, sponsor_last = FIRST[(i + 7) % len(FIRST)], LAST[(i + 11) % len(LAST)]
    domain = re.sub(r"[^a-z0-9]", "", org.lower()) + ".example"
    return {
        "first": first,
        "name": f"{first} {last}",
        "org": org,
        "email": f"{first.lower()}.{last.lower()}@{domain}",
        "phone": f"+44 7700 {900000 + i:06d}",
        "sponsor": f"{sponsor_first} {sponsor_last}-{i}",
        "sponsor_email": f"{sponsor_first.lower()}.{i}@{domain}",
    }


#: The sample's options for the firm's own sites, which the synthetic firm leaves out (see `_clients_only`).
_FIRM_SITES = (
    ("        enabled: true\n        protect: password\n", "        enabled: false\n"),
    ("      cohorts:\n        - organisation: Halden Logistics\n        - organisation: Ashgrove Mutual\n", ""),
)


def _clients_only(config: Path) -> None:
    """Turn off the coaches' console and the cohort reports: the figures measure the handbook and clients' sites.

    The console reads every engagement and is rebuilt when any of them changes; measured with it, (d) would
    time the console, not the one client whose file was edited.
    """
    text = config.read_text(encoding="utf-8")
    for old, new in _FIRM_SITES:
        if old not in text:
            raise SystemExit(f"{config}: the sample's firm-site options changed; update _FIRM_SITES")
        text = text.replace(old, new)
    config.write_text(text, encoding="utf-8")


def make_firm(root: Path, n: int) -> list[str]:
    """A copy of the sample firm's content, theme and config, with `n` engagements and ten stages."""
    discard(root)
    root.mkdir(parents=True)
    for part in ("content", "theme"):
        shutil.copytree(REPO / part, root / part)
    shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
    _clients_only(root / "mkdocs.yml")
    program = root / "content" / "program.yml"
    text = program.read_text(encoding="utf-8")
    for offset, (stage_id, title) in enumerate(EXTRA_STAGES):
        number = 8 + offset
        guide = f"stages/{number:02d}-{stage_id}.md"
        text += (
            f"      - id: {stage_id}\n        number: {number}\n        title: {title}\n"
            f"        summary: Check that what changed has held, and decide what to work on next.\n"
            f"        guide: {guide}\n        steps: [review-and-adjust]\n        duration: one session\n"
            "        client_does:\n          - Bring your growth plan and recent readings\n"
            "        coach_does:\n          - Asks what has held and what has slipped\n"
            "        exit_criteria:\n          - Your growth plan is up to date\n"
        )
        (root / "content" / guide).write_text(
            f"---\ntitle: {title}\n---\n\n# {title}\n\n"
            "A short conversation, {{ client.first_name }}, about what has held since the engagement closed. "
            "{{ coach.name }} asks about your growth plan, and you decide together what comes next.\n\n"
            "## What to bring\n\n- Your growth plan\n- Recent readings for each goal\n\n"
            '!!! tip "Keep it light"\n    This is a check-in, not a new engagement.\n',
            encoding="utf-8",
        )
    program.write_text(text, encoding="utf-8")
    # The sample engagements in the firm's own language: a client in another language (the sample's German one)
    # converts its guides in its own process, which would change what the figures measure from run to run.
    templates = sorted(
        p for p in (REPO / "engagements").glob("*.yml") if "language" not in yaml.safe_load(p.read_text())
    )
    folder = root / "engagements"
    folder.mkdir()
    slugs = []
    for i in range(n):
        source = templates[i % len(templates)]
        text = source.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        new = identity(i)
        swaps = [
            (data["client"]["name"], new["name"]),
            (data["client"]["organisation"], new["org"]),
            (data["client"].get("email"), new["email"]),
            (data["client"].get("phone"), new["phone"]),
            (data.get("sponsor", {}).get("name"), new["sponsor"]),
            (data.get("sponsor", {}).get("email"), new["sponsor_email"]),
        ]
        for old, value in swaps:
            if old:
                text = text.replace(old, value)
        # One site per client on both sides of the comparison: the naive loop builds no sponsor sites.
        text = re.sub(r"^  site: true\n", "", text, flags=re.MULTILINE)
        old_first = data["client"]["name"].split()[0]
        text = re.sub(rf"\b{re.escape(old_first)}\b", new["first"], text)
        slug = re.sub(r"[^a-z0-9]+", "-", new["name"].lower()).strip("-") + f"-{i}"
        (folder / f"{slug}.yml").write_text(text, encoding="utf-8")
        slugs.append(slug)
    return slugs


def quiet_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", **extra}


@dataclass(frozen=True)
class Run:
    """One measured process: its CPU seconds (its whole tree), its wall seconds, and what it printed."""

    cpu: float
    wall: float
    out: str


def measure(args: Sequence[str], cwd: Path, **env: str) -> Run:
    """Run a command to the end and measure it from outside, as a whole process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(
        list(args), cwd=cwd, env=quiet_env(**env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    out = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{out[-3000:]}")
    return Run(usage.ru_utime + usage.ru_stime, wall, out)


def coachbook(*args: str) -> list[str]:
    return [sys.executable, "-m", "coachbook", *args]


def compile_package() -> str:
    """Compile the imported Coachbook's modules to bytecode, as pip does when it installs the package; its folder."""
    script = (
        "import compileall, os, coachbook; d = os.path.dirname(coachbook.__file__); "
        "compileall.compile_dir(d, quiet=2); print(d)"
    )
    done = subprocess.run([sys.executable, "-c", script], env=quiet_env(), capture_output=True, text=True, check=True)
    return done.stdout.strip()


#: Where `discard` moves what the benchmark no longer needs; set by `main`, emptied when it ends.
_DISCARDED: list[Path] = []


def discard(path: Path) -> None:
    """Move `path` out of the way now, to delete it when the benchmark ends (see the module's docstring)."""
    if not path.exists():
        return
    bin_ = _DISCARDED[0] if _DISCARDED else path.parent / ".discarded"
    bin_.mkdir(parents=True, exist_ok=True)
    path.rename(Path(tempfile.mkdtemp(prefix=path.name + "-", dir=bin_)) / path.name)


def clean(root: Path) -> None:
    """No site and no cache: what a fresh clone or a new CI runner starts from."""
    for folder in ("site", ".coachbook", ".site.staging"):
        discard(root / folder)


def one_client_firm(root: Path, slug: str) -> Path:
    """The fair baseline's firm: the same config, theme and program, and only one engagement."""
    single = root.parent / "one-client"
    discard(single)
    for part in ("content", "theme"):
        shutil.copytree(root / part, single / part)
    shutil.copy2(root / "mkdocs.yml", single / "mkdocs.yml")
    (single / "engagements").mkdir()
    shutil.copy2(root / "engagements" / f"{slug}.yml", single / "engagements" / f"{slug}.yml")
    return single


def plain_mkdocs(folder: Path, slug: str, out: Path) -> Run:
    discard(out)
    return measure(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(out)],
        folder,
        COACHBOOK_CLIENT=slug,
        COACHBOOK_AS_OF=AS_OF,
    )


def firm_build(root: Path, *extra: str) -> Run:
    return measure(coachbook("build", "--as-of", AS_OF, *extra), root)


def interleave(pairs: int, a: Callable[[], float], b: Callable[[], float]) -> tuple[list[float], list[float]]:
    """A B A B ...: each comparison in turn, so that a machine that drifts affects both alike."""
    first: list[float] = []
    second: list[float] = []
    for _ in range(pairs):
        first.append(a())
        second.append(b())
    return first, second


def spread(values: Sequence[float], unit: str = "", scale: float = 1.0) -> str:
    """Median and range, as the report prints them."""
    shown = [v * scale for v in values]
    if len(shown) == 1:
        return f"{shown[0]:.0f}{unit}" if scale != 1.0 else f"{shown[0]:.2f}{unit}"
    fmt = ".0f" if scale != 1.0 else ".2f"
    return f"{statistics.median(shown):{fmt}}{unit} ({min(shown):{fmt}}–{max(shown):{fmt}})"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8", "replace"))
    except OSError:
        return None


def serve_latency(root: Path, slug: str, rounds: int) -> tuple[float, list[float]]:
    """Seconds from starting `coachbook serve` to its first page, and from each save to the changed page."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    process = subprocess.Popen(
        coachbook("serve", "--client", slug, "--as-of", AS_OF, "-a", f"127.0.0.1:{port}"),
        cwd=root,
        env=quiet_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while fetch(url) is None:
            if process.poll() is not None:
                raise SystemExit("coachbook serve stopped before it served a page")
            time.sleep(0.02)
        first = time.perf_counter() - started
        path = root / "engagements" / f"{slug}.yml"
        original = path.read_text(encoding="utf-8")
        latencies = []
        try:
            for round_ in range(rounds):
                marker = f"Zanzibarian{round_}x{os.getpid()}"
                edited = re.sub(r"^(  role: ).*$", rf"\g<1>{marker}", original, count=1, flags=re.M)
                saved = time.perf_counter()
                path.write_text(edited, encoding="utf-8")
                while marker not in (fetch(url + "agreement/") or ""):
                    if time.perf_counter() - saved > 120:
                        raise SystemExit("the changed page never appeared")
                    time.sleep(0.01)
                latencies.append(time.perf_counter() - saved)
                time.sleep(0.5)
        finally:
            path.write_text(original, encoding="utf-8")
        return first, latencies
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def site_bytes(site: Path) -> tuple[int, int]:
    """Bytes of one site: as files (what a host without deduplication stores), and on disk (links counted once)."""
    apparent = 0
    inodes: dict[tuple[int, int], int] = {}
    for path in site.rglob("*"):
        if path.is_file():
            stat = path.stat()
            apparent += stat.st_size
            inodes[(stat.st_dev, stat.st_ino)] = stat.st_blocks * 512
    return apparent, sum(inodes.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--clients", type=int, default=200, help="engagements in the synthetic firm")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="build processes at once")
    parser.add_argument("--pairs", type=int, default=3, help="interleaved runs of each comparison")
    parser.add_argument("--naive-sample", type=int, default=3, help="clients the naive in-firm loop is timed on")
    parser.add_argument("--serve-rounds", type=int, default=5, help="saves timed in the live preview")
    parser.add_argument("--workdir", type=Path, help="where to generate the firm (default: a temporary folder)")
    args = parser.parse_args()

    scratch = args.workdir or Path(tempfile.mkdtemp(prefix="coachbook-bench-"))
    _DISCARDED.append(scratch / ".discarded")
    try:
        report(args, scratch)
    finally:
        print(f"Deleting what the runs left in {_DISCARDED[0]} ...", flush=True)
        shutil.rmtree(_DISCARDED[0], ignore_errors=True)


def report(args: argparse.Namespace, scratch: Path) -> None:
    """Generate the firm in `scratch`, run every measurement and print the report."""
    root = scratch / "firm"
    n = args.clients
    print(f"Generating a firm of {n} engagements in {root} ...", flush=True)
    slugs = make_firm(root, n)
    print(f"Compiling {compile_package()} to bytecode, as pip install does ...", flush=True)
    single = one_client_firm(root, slugs[0])
    jobs = ("--jobs", str(args.jobs))

    print(f"(a)/(b) fair baseline and clean firm build, {args.pairs} interleaved pair(s) ...", flush=True)
    baseline_runs: list[Run] = []
    clean_runs: list[Run] = []

    def clean_build() -> float:
        clean(root)
        clean_runs.append(firm_build(root, *jobs))
        return clean_runs[-1].cpu / n

    def baseline() -> float:
        baseline_runs.append(plain_mkdocs(single, slugs[0], scratch / "baseline-site"))
        return baseline_runs[-1].cpu

    ours, fair = interleave(args.pairs, clean_build, baseline)
    apparent, on_disk = site_bytes(root / "site" / "clients" / slugs[0])

    print("(c)/(d) nothing changed, and one engagement edited ...", flush=True)
    unchanged_runs: list[Run] = []
    edited_runs: list[Run] = []
    edited_file = root / "engagements" / f"{slugs[n // 2]}.yml"
    original = edited_file.read_text(encoding="utf-8")

    def unchanged() -> float:
        unchanged_runs.append(firm_build(root, *jobs))
        return unchanged_runs[-1].wall

    def edited() -> float:
        text = re.sub(r"^(  role: .*)$", rf"\1 ({len(edited_runs)})", original, count=1, flags=re.M)
        edited_file.write_text(text, encoding="utf-8")
        edited_runs.append(firm_build(root, *jobs))
        return edited_runs[-1].wall

    interleave(args.pairs, unchanged, edited)
    edited_file.write_text(original, encoding="utf-8")
    firm_build(root, *jobs)

    print(f"(a') naive in-firm loop on {args.naive_sample} client(s) ...", flush=True)
    sample = [slugs[(i * n) // max(1, args.naive_sample)] for i in range(min(n, args.naive_sample))]
    naive_runs = [plain_mkdocs(root, slug, scratch / "naive-site") for slug in sample]

    print("(f) check, warm and cold ...", flush=True)
    warm_runs: list[Run] = []
    cold_runs: list[Run] = []

    def check_warm() -> float:
        warm_runs.append(measure(coachbook("check"), root))
        return warm_runs[-1].wall

    def check_cold() -> float:
        (root / ".coachbook" / "engagements.json").unlink(missing_ok=True)
        cold_runs.append(measure(coachbook("check"), root))
        return cold_runs[-1].wall

    interleave(args.pairs, check_warm, check_cold)
    measure(coachbook("check"), root)

    print(f"(e) live preview, {args.serve_rounds} save(s) ...", flush=True)
    first_page, latencies = serve_latency(root, slugs[n // 3], args.serve_rounds)

    memory = build_memory(root, args.jobs)

    print()
    print(f"Firm of {n} clients, {args.jobs} job(s), {os.cpu_count()} CPU core(s), as of {AS_OF}.")
    print("CPU is user + system seconds of the whole process tree; wall is elapsed time. Median (range).")
    print()
    fair_median = statistics.median(fair)
    ours_median = statistics.median(ours)
    print(f"(a) fair baseline, plain mkdocs build of a one-client firm: CPU per site {spread(fair, ' ms', 1000)}")
    print(
        f"(b) coachbook build, clean, whole firm: CPU per site {spread(ours, ' ms', 1000)}, "
        f"total wall {spread([r.wall for r in clean_runs], ' s')}, {_built(clean_runs[-1].out)} built"
    )
    print(
        f"    (a)/(b): {fair_median / ours_median:.1f}x less CPU per site than the fair baseline "
        f"(pairs: {', '.join(f'{f / o:.1f}' for f, o in zip(fair, ours, strict=True))})"
    )
    naive = [r.cpu for r in naive_runs]
    print(
        f"(a') naive in-firm loop, plain mkdocs build of one client in the firm of {n}, timed on "
        f"{len(naive_runs)} client(s): CPU per site {spread(naive, ' ms', 1000)} "
        f"({statistics.median(naive) / ours_median:.0f}x (b); it reads every engagement, so it grows with the firm)"
    )
    print(
        f"(c) coachbook build, nothing changed: wall {spread([r.wall for r in unchanged_runs], ' s')}, "
        f"CPU {spread([r.cpu for r in unchanged_runs], ' s')}, {_built(unchanged_runs[-1].out)} built"
    )
    print(
        f"(d) coachbook build, one engagement edited: wall {spread([r.wall for r in edited_runs], ' s')}, "
        f"CPU {spread([r.cpu for r in edited_runs], ' s')}, {_built(edited_runs[-1].out)} built"
    )
    print(
        f"(e) coachbook serve: start to first page {first_page:.2f} s; "
        f"save to changed page {spread(latencies, ' s')} over {len(latencies)} save(s)"
    )
    print(
        f"(f) coachbook check: warm wall {spread([r.wall for r in warm_runs], ' s')} "
        f"(CPU {spread([r.cpu for r in warm_runs], ' s')}); "
        f"cold wall {spread([r.wall for r in cold_runs], ' s')} (CPU {spread([r.cpu for r in cold_runs], ' s')})"
    )
    print(
        f"memory per build process: peak resident {memory['peak_worker_kb'] // 1024} MiB, counting the pages it shares"
    )
    print(f"  with the fork server, of which {memory['private_worker_kb'] // 1024} MiB are its own;")
    print(f"  the fork server they are forked from: peak resident {memory['server_kb'] // 1024} MiB;")
    print(
        f"  the build's own process, which holds every engagement's audit strings: peak resident "
        f"{memory['parent_kb'] // 1024} MiB"
    )
    print(
        f"output per client site: {apparent / 1e6:.2f} MB to upload, {on_disk / 1e6:.2f} MB on disk "
        "(theme assets linked to one copy)"
    )


def _built(out: str) -> int:
    found = re.search(r"Done: (\d+) built", out)
    return int(found.group(1)) if found else 0


MEMORY = """
import datetime as dt, json, resource, sys
from pathlib import Path
from coachbook.build.firm_build import FirmBuild, build_firm
from coachbook.cli.support import quiet_mkdocs
quiet_mkdocs(False)
root = Path(sys.argv[1])
report = build_firm(FirmBuild(root / "mkdocs.yml", root / "site", as_of=dt.date.fromisoformat(sys.argv[2]),
                              jobs=int(sys.argv[3]), force=True, private_memory=True))
print(json.dumps({"peak_worker_kb": report.peak_worker_kb, "private_worker_kb": report.private_worker_kb,
                  "server_kb": report.server_kb, "parent_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def build_memory(root: Path, jobs: int) -> dict[str, int]:
    """The memory of a forced build's processes, as its report gives them."""
    run = measure([sys.executable, "-c", MEMORY, str(root), AS_OF, str(jobs)], root)
    figures: dict[str, int] = json.loads(run.out.strip().splitlines()[-1])
    return figures


if __name__ == "__main__":
    main()
