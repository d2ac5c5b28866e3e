"""Benchmark: build a synthetic firm of N clients the naive way and the Coachbook way, side by side.

It generates a firm of N engagements in a scratch folder, varied like the
sample firm (each is a copy of one of the three sample engagements, a client
who has just contracted, one mid-way and one closed, with new names,
organisations, emails and phones), and a program of ten stages, so that each
client site has about twenty pages. Then it runs, on the same machine:

  (a) the naive loop: one `mkdocs build` process per client, one after another;
  (b) `coachbook build` from clean;
  (c) `coachbook build` again, nothing changed;
  (d) `coachbook build` after editing one engagement (a client's role).

and prints total seconds, milliseconds per site, the speed-up against (a),
the peak memory of the build processes, and the output size per site.

    python benchmarks/build_firm.py -n 200
    python benchmarks/build_firm.py -n 1000 --naive-sample 40

With --naive-sample K the naive loop is timed on K clients spread over the
firm and its total is extrapolated to N (the output says so): at N=1000 the
full loop takes hours.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
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


def make_firm(root: Path, n: int) -> list[str]:
    """A copy of the sample firm's content, theme and config, with `n` engagements and ten stages."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for part in ("content", "theme"):
        shutil.copytree(REPO / part, root / part)
    shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")
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


def naive(root: Path, slugs: list[str], sample: int) -> tuple[float, int]:
    """Seconds per client for one `mkdocs build` process per client, timed on `sample` clients."""
    step = max(1, len(slugs) // sample)
    chosen = slugs[::step][:sample]
    out = Path(tempfile.mkdtemp(prefix="naive-"))
    times = []
    for slug in chosen:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(out / slug)],
            cwd=root,
            env=quiet_env(COACHBOOK_CLIENT=slug, COACHBOOK_AS_OF=AS_OF),
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    shutil.rmtree(out, ignore_errors=True)
    return statistics.mean(times), len(chosen)


DRIVER = """
import datetime as dt, json, resource, sys
from pathlib import Path
from coachbook.build.firm_build import FirmBuild, build_firm
from coachbook.cli.support import quiet_mkdocs
quiet_mkdocs(False)
root = Path(sys.argv[1])
report = build_firm(FirmBuild(root / "mkdocs.yml", root / "site", as_of=dt.date.fromisoformat(sys.argv[2]),
                              jobs=int(sys.argv[3])))
print(json.dumps({"built": len(report.built), "failed": [f"{r.target.name}: {r.error}" for r in report.failed],
                  "skipped": len(report.skipped), "peak_worker_kb": report.peak_worker_kb,
                  "private_worker_kb": report.private_worker_kb, "server_kb": report.server_kb,
                  "parent_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def coachbook(root: Path, jobs: int) -> tuple[float, dict[str, object]]:
    """Wall seconds of a build in a fresh process (imports included, as for the naive loop), and its report."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(root), AS_OF, str(jobs)],
        env=quiet_env(),
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if report["failed"]:
        raise SystemExit("build failed: " + "; ".join(report["failed"][:5]))
    return seconds, report


def output_size(root: Path, n: int) -> tuple[float, float]:
    """Bytes per client site: as files (each site complete), and on disk (hardlinked assets counted once)."""
    apparent = 0
    inodes: dict[tuple[int, int], int] = {}
    for path in (root / "site" / "clients").rglob("*"):
        if path.is_file():
            stat = path.stat()
            apparent += stat.st_size
            inodes[(stat.st_dev, stat.st_ino)] = stat.st_blocks * 512
    return apparent / n, sum(inodes.values()) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--clients", type=int, default=200, help="engagements in the synthetic firm")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="build processes at once")
    parser.add_argument("--naive-sample", type=int, default=0, help="time the naive loop on K clients only")
    parser.add_argument("--workdir", type=Path, help="where to generate the firm (default: a temporary folder)")
    args = parser.parse_args()

    scratch = args.workdir or Path(tempfile.mkdtemp(prefix="coachbook-bench-"))
    root = scratch / "firm"
    n = args.clients
    print(f"Generating a firm of {n} engagements in {root} ...", flush=True)
    slugs = make_firm(root, n)

    sample = min(n, args.naive_sample or n)
    print(f"(a) naive loop: one `mkdocs build` per client, {sample} client(s) ...", flush=True)
    naive_site, timed = naive(root, slugs, sample)
    naive_total = naive_site * n

    print("(b) coachbook build from clean ...", flush=True)
    clean, clean_report = coachbook(root, args.jobs)
    apparent, on_disk = output_size(root, n)
    print("(c) coachbook build, nothing changed ...", flush=True)
    unchanged, unchanged_report = coachbook(root, args.jobs)
    edited_file = root / "engagements" / f"{slugs[n // 2]}.yml"
    edited_file.write_text(
        re.sub(r"^(  role: .*)$", r"\1 (interim)", edited_file.read_text(encoding="utf-8"), count=1, flags=re.M),
        encoding="utf-8",
    )
    print("(d) coachbook build after editing one engagement ...", flush=True)
    edited, edited_report = coachbook(root, args.jobs)

    rows = [
        ("(a) naive: one mkdocs build per client", naive_total, f"{n} built" + ("" if timed == n else " (extrap.)")),
        ("(b) coachbook build, clean", clean, f"{clean_report['built']} built"),
        ("(c) coachbook build, no change", unchanged, f"{unchanged_report['built']} built"),
        ("(d) coachbook build, one edited", edited, f"{edited_report['built']} built"),
    ]
    print()
    print(f"Firm of {n} clients, {args.jobs} job(s), {os.cpu_count()} CPU core(s), as of {AS_OF}")
    if timed < n:
        print(f"(a) was timed on {timed} of {n} clients ({naive_site * 1000:.0f} ms each) and extrapolated to {n}.")
    print(f"{'':40} {'total s':>9} {'ms/site':>9} {'vs (a)':>8}  sites")
    for label, seconds, what in rows:
        print(f"{label:40} {seconds:9.1f} {seconds / n * 1000:9.1f} {naive_total / seconds:7.1f}x  {what}")

    def mib(key: str) -> str:
        return f"{max(int(r[key]) for r in (clean_report, edited_report)) / 1024:.0f} MiB"

    print(f"memory per build process: peak resident {mib('peak_worker_kb')}, counting the pages it shares")
    print(f"  with the fork server, of which {mib('private_worker_kb')} are its own;")
    print(f"  the fork server they are forked from: peak resident {mib('server_kb')};")
    print(f"  the build's own process, which holds every engagement's audit strings: peak resident {mib('parent_kb')}")
    print(f"output per client site: {apparent / 1e6:.2f} MB as files, {on_disk / 1e6:.2f} MB on disk (shared assets)")


if __name__ == "__main__":
    main()
