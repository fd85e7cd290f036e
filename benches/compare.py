#!/usr/bin/env python3
"""Compare quoteline with off-the-shelf quote finders on the generated workloads.

For each corpus (S, M and, when generated, L) this runs, side by side:

* quoteline: `quoteline bench` for per-quote latency, index build time and peak
  memory, and `quoteline check --format json` on each draft for whole-draft time
  and verdict accuracy;
* rapidfuzz: `fuzz.partial_ratio_alignment(quote, file)` over every file;
* edlib: `edlib.align(quote, file, mode="HW")` (infix alignment) over every file;
* ripgrep: `rg -F` per quote, the floor for literal search (it finds only
  verbatim quotes that do not cross a line break).

It prints one table, and writes `results.json`, `report.md` and
`latency-vs-corpus.png` to `--out`. Run `benches/workloads.py` first.
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TOOLS = ["quoteline", "rapidfuzz", "edlib", "ripgrep"]
COMPETITORS = ["rapidfuzz", "edlib", "ripgrep"]


# ---------------------------------------------------------------------------
# Inputs


@dataclass
class Query:
    """One quote from a draft, with what the workload generator planted for it."""

    query_id: str
    draft: str
    text: str
    cited: str | None
    expectation: dict


@dataclass
class Corpus:
    name: str
    directory: Path
    manifest: dict
    texts: dict[str, str] = field(default_factory=dict)
    line_starts: dict[str, list[int]] = field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        return self.manifest["total_bytes"]

    def load(self) -> None:
        for entry in self.manifest["files"]:
            self.texts[entry["key"]] = (self.directory / entry["path"]).read_text(encoding="utf-8")

    def offset_of(self, key: str, position: dict) -> int | None:
        """Code-point offset of a 1-based (line, column) position in a corpus file."""
        text = self.texts.get(key)
        if text is None:
            return None
        starts = self.line_starts.get(key)
        if starts is None:
            starts = self.line_starts[key] = [0] + [m.end() for m in re.finditer("\n", text)]
        line = position.get("line", 0) - 1
        if not 0 <= line < len(starts):
            return None
        return starts[line] + position.get("column", 1) - 1


def draft_paths(workloads: Path, corpus: str, kinds: list[str]) -> dict[str, list[Path]]:
    """Draft files of each kind present for a corpus, e.g. {"short": [short-0.md, short-1.md]}."""
    root = workloads / "drafts" / corpus
    found: dict[str, list[Path]] = {}
    for kind in kinds:
        if kind == "batch":
            paths = sorted((root / "batch").glob("*.md"))
        else:
            paths = sorted(root.glob(f"{kind}.md")) + sorted(root.glob(f"{kind}-*.md"))
        if paths:
            found[kind] = paths
    return found


def load_expectations(draft: Path) -> dict:
    return json.loads(draft.with_suffix(".expect.json").read_text(encoding="utf-8"))


def queries_for(drafts: list[Path]) -> list[Query]:
    queries = []
    for draft in drafts:
        for quote in load_expectations(draft)["quotes"]:
            queries.append(Query(f"{draft.stem}#{quote['index']}", draft.name, quote["text"], quote["cited"], quote))
    return queries


# ---------------------------------------------------------------------------
# Scoring


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def located(expectation: dict, key: str | None, start: int | None, end: int | None) -> bool:
    """Whether a reported place is the planted passage (or a verbatim copy the generator found)."""
    source = expectation["source"]
    if source is None or key is None or start is None:
        return False
    end = start + 1 if end is None else end
    # Without a recorded list (workloads from before L had one), only the planted place counts.
    places = source.get("occurrences") or [source]
    # One character of slack on each side forgives inclusive/exclusive end conventions.
    return any(p["key"] == key and overlaps(start, end, p["start_offset"] - 1, p["end_offset"] + 1) for p in places)


def evenly_spaced(queries: list[Query], count: int) -> list[Query]:
    """`count` queries spread over the whole list (every kind of quote, the draft's first pages
    and its last), in their order; all of them when there are no more than `count`."""
    if count >= len(queries):
        return list(queries)
    return [queries[i * len(queries) // count] for i in range(count)]


def is_locatable(expectation: dict) -> bool:
    return expectation["source"] is not None and expectation["check_location"]


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[rank]


@dataclass
class ToolResult:
    """Per-query outcomes of one tool on one corpus."""

    # Each query's time, by query id (in the order run), so a ratio compares two tools on the
    # same quotes.
    latency_by_id: dict[str, float] = field(default_factory=dict)
    extrapolated: int = 0
    located: int = 0
    locatable: int = 0
    verdict_correct: int = 0
    verdict_total: int = 0
    notes: list[str] = field(default_factory=list)

    def record(self, query_id: str, ms: float) -> None:
        self.latency_by_id[query_id] = ms

    @property
    def latencies_ms(self) -> list[float]:
        return list(self.latency_by_id.values())

    def summary(self) -> dict:
        latencies_ms = self.latencies_ms
        return {
            "queries": len(latencies_ms),
            # The first quote a process checks pays for cold caches and an unmapped index.
            "first_ms": latencies_ms[0] if latencies_ms else None,
            "extrapolated_queries": self.extrapolated,
            "p50_ms": percentile(latencies_ms, 0.50),
            "p99_ms": percentile(latencies_ms, 0.99),
            "mean_ms": sum(latencies_ms) / len(latencies_ms) if latencies_ms else None,
            "total_ms": sum(latencies_ms),
            "located": self.located,
            "locatable": self.locatable,
            "located_rate": self.located / self.locatable if self.locatable else None,
            "verdict_correct": self.verdict_correct,
            "verdict_total": self.verdict_total,
            "verdict_accuracy": self.verdict_correct / self.verdict_total if self.verdict_total else None,
            "notes": self.notes,
            "latency_ms_by_query": self.latency_by_id,
        }


# ---------------------------------------------------------------------------
# Child processes


@dataclass
class ChildRun:
    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    peak_rss_mb: float
    timed_out: bool = False


def run_child(argv: list[str], timeout_s: float, cwd: Path | None = None) -> ChildRun:
    """Run a process and report its wall time and its own peak RSS (from wait4, not RUSAGE_CHILDREN)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=cwd)
        timed_out = False
        deadline = started + timeout_s
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                timed_out = True
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.002)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # ru_maxrss is in KiB on Linux.
        return ChildRun(proc.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), wall, usage.ru_maxrss / 1024, timed_out)


def find_quoteline(requested: str | None) -> tuple[Path | None, str]:
    if requested:
        path = Path(requested)
        if path.is_file() and os.access(path, os.X_OK):
            return path.resolve(), "given on the command line"
        return None, f"{requested} is not an executable file"
    for candidate in (REPO_ROOT / "target" / "release" / "quoteline",):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate, "found at target/release/quoteline"
    found = shutil.which("quoteline")
    if found:
        return Path(found), "found on PATH"
    return None, "no quoteline binary (build it with `cargo build --release`, or pass --quoteline PATH)"


# ---------------------------------------------------------------------------
# quoteline


def run_quoteline_bench(binary: Path, corpus: Corpus, queries: list[Query], work: Path, timeout_s: float,
                        cache_dir: Path | None = None) -> tuple[ToolResult, dict]:
    """`quoteline bench` over the quotes: with no `cache_dir` it builds the index in memory (and
    times the build); with one, it maps the index `quoteline index` saved there, as `check` and
    the language server do."""
    result = ToolResult()
    queries_path = work / f"queries-{corpus.name}.jsonl"
    with queries_path.open("w", encoding="utf-8") as f:
        for q in queries:
            f.write(json.dumps({"id": q.query_id, "text": q.text, "cite": q.cited}, ensure_ascii=False) + "\n")
    argv = [str(binary), "bench", "--corpus", str(corpus.directory), "--queries", str(queries_path)]
    run = run_child(argv + (["--cache-dir", str(cache_dir)] if cache_dir else []), timeout_s, cwd=work)
    index = {"peak_rss_mb": run.peak_rss_mb, "wall_s": run.wall_s}
    if run.timed_out or run.returncode != 0:
        result.notes.append(f"`quoteline bench` failed (exit {run.returncode}{', timed out' if run.timed_out else ''}): {run.stderr.strip()[-300:]}")
        return result, index
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError as e:
        result.notes.append(f"`quoteline bench` printed no JSON ({e}): {run.stdout[:200]!r}")
        return result, index
    build_ms = report.get("index_build_ms")
    index.update({
        "sources": report.get("sources"),
        "corpus_bytes": report.get("corpus_bytes"),
        "index_build_ms": build_ms,
        "index_bytes": report.get("index_bytes"),
        "build_mb_per_s": (report.get("corpus_bytes", 0) / 1e6) / (build_ms / 1e3) if build_ms else None,
    })
    by_id = {q.query_id: q for q in queries}
    for answer in report.get("queries", []):
        q = by_id.get(answer.get("id"))
        if q is None:
            continue
        result.record(q.query_id, answer.get("micros", 0.0) / 1000)
        exp = q.expectation
        start = corpus.offset_of(answer["key"], answer["start"]) if answer.get("key") and answer.get("start") else None
        hit = located(exp, answer.get("key"), start, None)
        if is_locatable(exp):
            result.locatable += 1
            result.located += hit
        result.verdict_total += 1
        result.verdict_correct += verdict_is_right(exp, answer.get("verdict"), hit)
    missing = len(queries) - len(result.latencies_ms)
    if missing:
        result.notes.append(f"{missing} queries had no answer from `quoteline bench`")
    return result, index


def quoteline_bench_runs(binary: Path, corpus: Corpus, queries: list[Query], work: Path, args: argparse.Namespace,
                         failures: list[str], cache_dir: Path | None = None) -> list[tuple[ToolResult, dict]]:
    """`quoteline bench` `--quoteline-runs` times. Every run's notes are printed, not only the
    median run's: one failed run of three is a failure."""
    label = corpus.name + (" (saved index)" if cache_dir else "")
    began = time.perf_counter()
    runs = [run_quoteline_bench(binary, corpus, queries, work, args.quoteline_timeout, cache_dir) for _ in range(args.quoteline_runs)]
    for note in dict.fromkeys(note for r, _ in runs for note in r.notes):
        print(f"{label}: {note}", file=sys.stderr)
        if "failed" in note or "no JSON" in note:
            failures.append(f"{label}: {note}")
    print(f"{label}: quoteline bench {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return runs


def median_run(runs: list[tuple[ToolResult, dict]]) -> tuple[dict, dict]:
    """One corpus's `quoteline bench` runs as one result. This machine's speed drifts by tens of
    percent from minute to minute (a build took 6 to 12 s), so one run says little. The per-quote
    figures are those of the run with the median p99 (its p50 and first quote belong with it);
    the build time is the median build; each run's figures are kept beside them."""
    summaries = [result.summary() for result, _ in runs]
    summary = sorted(summaries, key=lambda s: s["p99_ms"] or 0.0)[(len(summaries) - 1) // 2]
    summary["runs"] = [{key: s[key] for key in ("p50_ms", "p99_ms", "first_ms")} for s in summaries]
    builds = sorted((index for _, index in runs if index.get("index_build_ms") is not None), key=lambda ix: ix["index_build_ms"])
    index = dict(builds[(len(builds) - 1) // 2] if builds else runs[0][1])
    index["build_ms_runs"] = [ix.get("index_build_ms") for _, ix in runs]
    index["peak_rss_mb"] = max(ix["peak_rss_mb"] for _, ix in runs)
    return summary, index


def verdict_is_right(expectation: dict, verdict: str | None, hit: bool) -> bool:
    if verdict != expectation["expected_verdict"]:
        return False
    return hit if is_locatable(expectation) else True


def match_check_output(expectations: dict, reported: list[dict]) -> list[tuple[dict, dict | None]]:
    """Pair each expected quote with the reported quote at its place in the draft.

    A checker may report a quote's start at its opening mark or at its first
    character, so a column one before the content also matches.
    """
    by_line: dict[int, list[dict]] = {}
    for r in reported:
        by_line.setdefault(r.get("start", {}).get("line"), []).append(r)
    pairs = []
    for quote in expectations["quotes"]:
        line, column = quote["draft_start"]["line"], quote["draft_start"]["column"]
        candidates = by_line.get(line, [])
        match = next((r for r in candidates if abs(r["start"].get("column", -9) - column) <= 1), None)
        if match is None:
            match = next((r for r in candidates if r.get("text", "").strip() == quote["text"]), None)
        pairs.append((quote, match))
    return pairs


def index_cache_dir(corpus: Corpus) -> Path:
    """Where `quoteline index` saves a corpus's index by default (see src/cache.rs)."""
    return corpus.directory.parent / ".quoteline" / corpus.directory.name


def run_quoteline_index(binary: Path, corpus: Corpus, work: Path, timeout_s: float) -> dict:
    """`quoteline index`: build and save the index (and the copy of the texts) as a user would."""
    run = run_child([str(binary), "index", "--corpus", str(corpus.directory)], timeout_s, cwd=work)
    entry = {"wall_s": run.wall_s, "peak_rss_mb": run.peak_rss_mb, "exit_code": run.returncode}
    saved = re.search(r"wrote .* \((\d+) bytes\) in ([\d.]+) ms; loads \(mapped and verified\) in ([\d.]+) ms", run.stdout)
    if run.timed_out or run.returncode != 0 or not saved:
        entry["error"] = f"exit {run.returncode}: {run.stderr.strip()[-300:]}"
        return entry
    texts = index_cache_dir(corpus) / "texts.bin"
    entry.update({
        "index_file_bytes": int(saved.group(1)),
        "texts_file_bytes": texts.stat().st_size if texts.exists() else None,
        "write_ms": float(saved.group(2)),
        "load_ms": float(saved.group(3)),
    })
    return entry


def run_quoteline_check(binary: Path, corpus: Corpus, kind: str, drafts: list[Path], work: Path, timeout_s: float) -> dict:
    """Check a draft set as one process (whatever index cache exists) and score the verdicts."""
    argv = [str(binary), "check", "--corpus", str(corpus.directory), "--format", "json", *map(str, drafts)]
    first = run_child(argv, timeout_s, cwd=work)
    entry = {
        "drafts": len(drafts),
        "wall_s": first.wall_s,
        "peak_rss_mb": first.peak_rss_mb,
        "exit_code": first.returncode,
    }
    if first.timed_out or first.returncode not in (0, 1):
        entry["error"] = f"exit {first.returncode}{' (timed out)' if first.timed_out else ''}: {first.stderr.strip()[-300:]}"
        return entry
    try:
        report = json.loads(first.stdout)
    except json.JSONDecodeError as e:
        entry["error"] = f"no JSON on stdout ({e})"
        return entry
    files = {Path(f.get("path", "")).name: f for f in report.get("files", [])}
    correct = total = located_n = locatable = unmatched = 0
    by_category: dict[str, list[int]] = {}
    wrong: list[dict] = []
    for draft in drafts:
        expectations = load_expectations(draft)
        reported = files.get(draft.name, {}).get("quotes", [])
        for quote, answer in match_check_output(expectations, reported):
            total += 1
            if answer is None:
                unmatched += 1
                by_category.setdefault(quote["category"], [0, 0])[1] += 1
                continue
            source = answer.get("source") or {}
            key = source.get("key")
            start = corpus.offset_of(key, source["start"]) if key and source.get("start") else None
            end = corpus.offset_of(key, source["end"]) if key and source.get("end") else None
            hit = located(quote, key, start, end)
            if is_locatable(quote):
                locatable += 1
                located_n += hit
            ok = verdict_is_right(quote, answer.get("verdict"), hit)
            correct += ok
            tally = by_category.setdefault(quote["category"], [0, 0])
            tally[0] += ok
            tally[1] += 1
            if not ok and len(wrong) < 25:
                wrong.append({"draft": draft.name, "index": quote["index"], "category": quote["category"], "expected": quote["expected_verdict"],
                              "got": answer.get("verdict"), "expected_key": (quote["source"] or {}).get("key"), "got_key": key, "located": hit, "text": quote["text"][:80]})
    entry.update({
        "quotes": total,
        "verdict_correct": correct,
        "verdict_accuracy": correct / total if total else None,
        "located": located_n,
        "locatable": locatable,
        "unmatched": unmatched,
        "by_category": {c: {"correct": v[0], "total": v[1]} for c, v in sorted(by_category.items())},
        "wrong_examples": wrong,
    })
    return entry


# ---------------------------------------------------------------------------
# Competitors


class Deadline:
    """Stops a scan over files after a time budget, remembering how far it got."""

    def __init__(self, budget_s: float | None):
        self.started = time.perf_counter()
        self.budget_s = budget_s

    def expired(self) -> bool:
        return self.budget_s is not None and time.perf_counter() - self.started > self.budget_s


def scan_files(corpus: Corpus, budget_s: float | None, score_file) -> tuple[float, bool, tuple]:
    """Run `score_file(key, text, best)` over every file, keeping the best; extrapolate if cut off.

    Returns (milliseconds, extrapolated, best) where best is (score, key, start, end)
    and higher scores are better.
    """
    deadline = Deadline(budget_s)
    best: tuple = (float("-inf"), None, None, None)
    scanned = 0
    for key, text in corpus.texts.items():
        found = score_file(key, text, best)
        if found is not None and found[0] > best[0]:
            best = found
        scanned += len(text)
        if deadline.expired():
            break
    elapsed = time.perf_counter() - deadline.started
    total = sum(len(t) for t in corpus.texts.values()) if budget_s is not None else scanned
    extrapolated = scanned < total
    if extrapolated:
        elapsed *= total / max(1, scanned)
    return elapsed * 1000, extrapolated, best


def run_rapidfuzz(corpus: Corpus, queries: list[Query], budget_s: float | None) -> ToolResult:
    from rapidfuzz import fuzz

    result = ToolResult()

    def score_file(key, text, best):
        # The running best as score_cutoff lets rapidfuzz skip files early, as a tuned caller would.
        cutoff = max(0.0, best[0]) if best[1] is not None else 0.0
        alignment = fuzz.partial_ratio_alignment(query.text, text, score_cutoff=cutoff)
        if alignment is None or alignment.score <= cutoff and best[1] is not None:
            return None
        return (alignment.score, key, alignment.dest_start, alignment.dest_end)

    for query in queries:
        ms, extrapolated, best = scan_files(corpus, budget_s, score_file)
        record_competitor(result, query, ms, extrapolated, best)
    return result


def run_edlib(corpus: Corpus, queries: list[Query], budget_s: float | None) -> ToolResult:
    import edlib

    result = ToolResult()

    def score_file(key, text, best):
        # Bounding k by the best distance so far (and by half the quote) is edlib's own pruning knob.
        bound = int(-best[0]) if best[1] is not None else len(query.text) // 2
        try:
            found = edlib.align(query.text, text, mode="HW", task="locations", k=bound)
            to_chars = None
        except ValueError:
            # edlib maps symbols to bytes and refuses more than 256 distinct ones; fall back to UTF-8.
            raw = text.encode("utf-8")
            found = edlib.align(query.text.encode("utf-8"), raw, mode="HW", task="locations", k=bound)
            to_chars = lambda b: len(raw[:b].decode("utf-8", "ignore"))
        distance = found["editDistance"]
        if distance < 0 or not found["locations"]:
            return None
        start, end = found["locations"][0]
        start = start if start is not None else max(0, end - len(query.text))
        if to_chars:
            start, end = to_chars(start), to_chars(end + 1) - 1
        return (-distance, key, start, end + 1)

    for query in queries:
        ms, extrapolated, best = scan_files(corpus, budget_s, score_file)
        record_competitor(result, query, ms, extrapolated, best)
    return result


def record_competitor(result: ToolResult, query: Query, ms: float, extrapolated: bool, best: tuple) -> None:
    result.record(query.query_id, ms)
    result.extrapolated += extrapolated
    if is_locatable(query.expectation) and not extrapolated:
        result.locatable += 1
        result.located += located(query.expectation, best[1], best[2], best[3])


def byte_to_char_offset(text: str, byte_offset: int) -> int:
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "ignore"))


def parse_rg_matches(corpus: Corpus, stdout: str) -> list[tuple[str, int, int]]:
    """(key, start, end) in code points from `rg --only-matching --byte-offset` output."""
    hits = []
    for line in stdout.splitlines():
        m = re.match(r"^(.*?\.txt):(\d+):(.*)$", line)
        if not m:
            continue
        key = Path(m.group(1)).stem
        text = corpus.texts.get(key)
        if text is None:
            continue
        start = byte_to_char_offset(text, int(m.group(2)))
        hits.append((key, start, start + len(m.group(3))))
    return hits


RG_BASE = ["rg", "--no-config", "--fixed-strings", "--only-matching", "--byte-offset", "--with-filename", "--no-heading", "--no-line-number"]


def run_ripgrep(corpus: Corpus, queries: list[Query], budget_s: float | None) -> ToolResult:
    result = ToolResult()
    result.notes.append("per-quote time includes starting the rg process; rg matches only verbatim text on one line")
    for query in queries:
        run = run_child([*RG_BASE, "--", query.text, str(corpus.directory)], budget_s or 600)
        result.record(query.query_id, run.wall_s * 1000)
        result.extrapolated += run.timed_out
        if is_locatable(query.expectation) and not run.timed_out:
            result.locatable += 1
            hits = parse_rg_matches(corpus, run.stdout)
            result.located += any(located(query.expectation, k, s, e) for k, s, e in hits)
    return result


def run_ripgrep_draft(corpus: Corpus, drafts: list[Path], work: Path) -> dict:
    """All of a draft set's quotes as one `rg -F -f patterns` run: the literal-search floor for a whole draft."""
    patterns = work / f"rg-patterns-{corpus.name}.txt"
    texts = [q["text"] for d in drafts for q in load_expectations(d)["quotes"]]
    patterns.write_text("\n".join(texts) + "\n", encoding="utf-8")
    run = run_child([*RG_BASE, "--file", str(patterns), str(corpus.directory)], 3600)
    return {"drafts": len(drafts), "quotes": len(texts), "first_s": run.wall_s, "peak_rss_mb": run.peak_rss_mb}


# ---------------------------------------------------------------------------
# Reporting


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    if value >= 10:
        return f"{value:.0f} ms"
    return f"{value:.3f} ms" if value < 1 else f"{value:.2f} ms"


def fmt_rate(numerator: int, denominator: int) -> str:
    return f"{numerator}/{denominator} ({numerator / denominator:.0%})" if denominator else "-"


def ratio(tool: float | None, baseline: float | None) -> str:
    if tool is None or baseline in (None, 0):
        return "n/a"
    return f"{tool / baseline:.1f}x"


def spread(values: list[float | None], fmt) -> str:
    """" (lowest – highest)" of a figure over repeated runs, or nothing for a single run."""
    values = sorted(v for v in values if v is not None)
    return f" ({fmt(values[0])} – {fmt(values[-1])})" if len(values) > 1 else ""


def p50_on(summary: dict, query_ids) -> float | None:
    """A tool's median time over just these quotes (those another tool ran), so that a ratio
    compares the two on the same quotes."""
    by_query = summary.get("latency_ms_by_query", {})
    return percentile([by_query[q] for q in query_ids if q in by_query], 0.50)


def summary_table(results: dict) -> str:
    header = "| corpus | tool | queries | p50 / quote | p99 / quote | first quote | p50 vs quoteline (same quotes) | medium draft | draft vs quoteline | located | verdicts |"
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for name, corpus in results["corpora"].items():
        base = corpus["tools"].get("quoteline", {})
        # quoteline's draft time is a check as a process with the index `quoteline index` saved.
        base_draft = corpus["drafts"].get("medium", {}).get("quoteline", {}).get("saved_s")
        rows = [(tool, corpus["tools"].get(tool)) for tool in TOOLS]
        if "quoteline_saved" in corpus:
            rows.insert(1, ("quoteline, saved index", corpus["quoteline_saved"]))
        for label, s in rows:
            if s is None:
                continue
            tool = "quoteline" if label.startswith("quoteline") else label
            draft = corpus["drafts"].get("medium", {}).get(tool, {})
            draft_s = draft.get("saved_s", draft.get("first_s", draft.get("estimated_s")))
            draft_txt = "-" if draft_s is None else f"{draft_s:.2f} s" + (" (est.)" if "estimated_s" in draft else "")
            queries = f"{s['queries']}" + (f" ({s['extrapolated_queries']} extrap.)" if s["extrapolated_queries"] else "")
            verdicts = fmt_rate(s["verdict_correct"], s["verdict_total"]) if tool == "quoteline" else "-"
            first = fmt_ms(s.get("first_ms")) if tool == "quoteline" else "-"
            p99 = fmt_ms(s["p99_ms"]) + spread([run["p99_ms"] for run in s.get("runs", [])], fmt_ms)
            versus = "1.0x" if tool == "quoteline" else ratio(s["p50_ms"], p50_on(base, s.get("latency_ms_by_query", {})))
            draft_versus = "1.0x" if tool == "quoteline" and draft_s else ratio(draft_s, base_draft)
            if label != tool:
                # The saved index's row: its p50 against the in-memory index's; the medium draft
                # is the row above's (that check already maps the saved index).
                versus, draft_txt, draft_versus = ratio(s["p50_ms"], base.get("p50_ms")), "-", "-"
            lines.append(
                f"| {name} ({corpus['bytes'] / 1e6:.1f} MB) | {label} | {queries} | {fmt_ms(s['p50_ms'])} | {p99} | {first} | "
                f"{versus} | {draft_txt} | {draft_versus} | {fmt_rate(s['located'], s['locatable'])} | {verdicts} |"
            )
    return "\n".join(lines)


def index_table(results: dict) -> str:
    lines = ["| corpus | files | corpus MB | index build | build MB/s | index MB (per corpus byte) | peak RSS (bench) | `quoteline index`: saved index + texts MB, load |",
             "|---|---|---|---|---|---|---|---|"]
    for name, corpus in results["corpora"].items():
        ix = corpus.get("quoteline_index")
        if not ix or ix.get("index_build_ms") is None:
            continue
        saved = corpus.get("saved_index") or {}
        saved_txt = (f"{saved['index_file_bytes'] / 1e6:.1f} + {(saved.get('texts_file_bytes') or 0) / 1e6:.1f} MB, {fmt_ms(saved['load_ms'])}"
                     if "load_ms" in saved else saved.get("error", "-"))
        index_bytes = ix.get("index_bytes") or 0
        lines.append(
            f"| {name} | {corpus['files']} | {corpus['bytes'] / 1e6:.1f} | {fmt_ms(ix['index_build_ms'])}{spread(ix.get('build_ms_runs', []), fmt_ms)} | "
            f"{ix['build_mb_per_s']:.1f} | {index_bytes / 1e6:.1f} ({index_bytes / max(corpus['bytes'], 1):.2f}) | {ix['peak_rss_mb']:.0f} MB | {saved_txt} |"
        )
    return "\n".join(lines) if len(lines) > 2 else "(quoteline did not run)"


def drafts_table(results: dict) -> str:
    lines = ["| corpus | draft set | quotes | quoteline check: no saved index / saved index | quoteline verdicts | rg -F -f (floor) | rapidfuzz (est.) | edlib (est.) |", "|---|---|---|---|---|---|---|---|"]
    for name, corpus in results["corpora"].items():
        for kind, per_tool in corpus["drafts"].items():
            q = per_tool.get("quoteline", {})
            ql = f"{q['unsaved_s']:.2f} s / {q['saved_s']:.2f} s" if "saved_s" in q else q.get("error", "-")
            verdicts = fmt_rate(q.get("verdict_correct", 0), q.get("quotes", 0)) if "quotes" in q else "-"
            rg = per_tool.get("ripgrep", {}).get("first_s")
            est = lambda t: (lambda d: "-" if d is None else f"{d:.1f} s")(per_tool.get(t, {}).get("estimated_s", per_tool.get(t, {}).get("first_s")))
            lines.append(f"| {name} | {kind} | {per_tool.get('quotes', '-')} | {ql} | {verdicts} | {'-' if rg is None else f'{rg:.2f} s'} | {est('rapidfuzz')} | {est('edlib')} |")
    return "\n".join(lines)


def category_table(results: dict) -> str:
    lines = ["| corpus | draft set | category | quoteline right |", "|---|---|---|---|"]
    for name, corpus in results["corpora"].items():
        for kind, per_tool in corpus["drafts"].items():
            for category, tally in per_tool.get("quoteline", {}).get("by_category", {}).items():
                lines.append(f"| {name} | {kind} | {category} | {tally['correct']}/{tally['total']} |")
    return "\n".join(lines) if len(lines) > 2 else "(quoteline did not run)"


def plot(results: dict, path: Path) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed; no plot"
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for tool in TOOLS:
        points = [(c["bytes"], c["tools"][tool]["p50_ms"], c["tools"][tool]["p99_ms"]) for c in results["corpora"].values()
                  if tool in c["tools"] and c["tools"][tool]["p50_ms"]]
        if not points:
            continue
        xs, p50, p99 = zip(*sorted(points))
        line, = ax.plot(xs, p50, marker="o", label=f"{tool} p50")
        ax.plot(xs, p99, marker="x", linestyle="--", color=line.get_color(), alpha=0.6, label=f"{tool} p99")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("corpus size (bytes)")
    ax.set_ylabel("latency per quote (ms)")
    ax.set_title("Per-quote latency against corpus size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return None


def write_report(results: dict, out: Path, plot_name: str) -> str:
    ql = results["quoteline"]
    text = [
        "# quoteline comparison",
        "",
        f"Generated {results['generated_at']} on {results['machine']['cpus']} CPUs ({results['machine']['platform']}).",
        f"quoteline: {ql['binary'] or 'not run'} ({ql['reason']}).",
        f"Queries per corpus: the quotes of the `{results['query_drafts']}` draft(s), each timed once in draft order; "
        f"`quoteline bench` ran {results['quoteline_runs']} times per corpus: its per-quote figures are the run with the median p99 "
        "(in brackets, p99's range over the runs), its build time the median build (its range in brackets); "
        f"baselines: {results['competitor_queries']} of them evenly spaced on S and M, {results['l_queries']} on L with a {results['l_timeout_s']} s budget each, extrapolated.",
        "",
        "## Per quote",
        "",
        summary_table(results),
        "",
        "## Whole drafts",
        "",
        drafts_table(results),
        "",
        "## quoteline index",
        "",
        index_table(results),
        "",
        "## quoteline verdicts by kind of quote",
        "",
        category_table(results),
        "",
        f"![per-quote latency against corpus size]({plot_name})",
        "",
        "Column meanings are in benches/README.md.",
    ]
    notes = [f"- {name} {tool}: {note}" for name, c in results["corpora"].items() for tool, s in c["tools"].items() for note in s["notes"]]
    if notes:
        text += ["", "## Notes", "", *notes]
    report = "\n".join(text) + "\n"
    (out / "report.md").write_text(report, encoding="utf-8")
    return report


# ---------------------------------------------------------------------------
# Entry point


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", type=Path, default=REPO_ROOT / "bench-out" / "workloads")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench-out")
    parser.add_argument("--sizes", default="S,M,L", help="corpora to compare, of those generated")
    parser.add_argument("--quoteline", help="path to the quoteline binary (default: target/release/quoteline, then PATH)")
    parser.add_argument("--require-quoteline", action="store_true", help="fail if quoteline is missing or errors")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of: " + ", ".join(TOOLS))
    parser.add_argument("--query-drafts", default="long", help="draft kind whose quotes are the per-quote queries")
    parser.add_argument("--competitor-queries", type=int, default=100,
                        help="quotes the baselines run on S and M, evenly spaced over the queries (quoteline runs all)")
    parser.add_argument("--drafts", default="short,medium,long,batch", help="draft kinds to check whole")
    parser.add_argument("--l-queries", type=int, default=10, help="quotes the baselines run on L, evenly spaced over the queries")
    parser.add_argument("--l-timeout", type=float, default=20.0, help="seconds per competitor query on L before extrapolating")
    parser.add_argument("--quoteline-timeout", type=float, default=1800.0)
    parser.add_argument("--quoteline-runs", type=int, default=3,
                        help="times `quoteline bench` runs on each corpus: the table shows the median run, and the range")
    parser.add_argument("--min-accuracy", type=float, help="exit 1 if quoteline's verdict accuracy on any corpus falls below this")
    args = parser.parse_args(argv)

    # Children run in a scratch directory, so every path handed to them must be absolute.
    args.workloads = args.workloads.resolve()
    args.out = args.out.resolve()
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(tools) - set(TOOLS)
    if unknown:
        parser.error(f"unknown tools: {', '.join(sorted(unknown))}")
    if args.quoteline_runs < 1:
        parser.error("--quoteline-runs must be at least 1")
    binary, reason = find_quoteline(args.quoteline) if "quoteline" in tools else (None, "not requested")
    if binary is None and "quoteline" in tools:
        print(f"skipping quoteline: {reason}", file=sys.stderr)
        if args.require_quoteline:
            return 2
    if "ripgrep" in tools and shutil.which("rg") is None:
        print("skipping ripgrep: `rg` is not on PATH (apt-get install ripgrep)", file=sys.stderr)
        tools.remove("ripgrep")

    args.out.mkdir(parents=True, exist_ok=True)
    work = args.out / "compare-work"
    work.mkdir(exist_ok=True)
    results = {
        "version": 1,
        "generated_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "quoteline": {"binary": str(binary) if binary else None, "reason": reason},
        "query_drafts": args.query_drafts,
        "quoteline_runs": args.quoteline_runs,
        "competitor_queries": args.competitor_queries,
        "l_queries": args.l_queries,
        "l_timeout_s": args.l_timeout,
        "corpora": {},
    }
    failures: list[str] = []
    draft_kinds = [d.strip() for d in args.drafts.split(",") if d.strip()]

    for name in [s.strip().upper() for s in args.sizes.split(",") if s.strip()]:
        manifest_path = args.workloads / "manifests" / f"{name}.json"
        if not manifest_path.exists():
            print(f"{name}: not generated (run benches/workloads.py --sizes {name}); skipped", file=sys.stderr)
            continue
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        corpus = Corpus(name, args.workloads / "corpora" / name, manifest)
        loaded = time.perf_counter()
        corpus.load()
        print(f"{name}: {len(corpus.texts)} files, {corpus.total_bytes / 1e6:.1f} MB loaded in {time.perf_counter() - loaded:.1f} s", file=sys.stderr)
        query_drafts = draft_paths(args.workloads, name, [args.query_drafts]).get(args.query_drafts, [])
        queries = queries_for(query_drafts)
        if not queries:
            print(f"{name}: no {args.query_drafts} drafts; skipped", file=sys.stderr)
            continue
        is_large = name == "L"
        competitor_queries = evenly_spaced(queries, args.l_queries if is_large else args.competitor_queries)
        budget = args.l_timeout if is_large else None
        entry = {"files": len(corpus.texts), "bytes": corpus.total_bytes, "queries": len(queries), "tools": {}, "drafts": {}}
        results["corpora"][name] = entry

        if binary is not None:
            runs = quoteline_bench_runs(binary, corpus, queries, work, args, failures)
            summary, index = median_run(runs)
            entry["tools"]["quoteline"] = summary
            entry["quoteline_index"] = index
            if len({(r.verdict_correct, r.located) for r, _ in runs}) > 1:
                failures.append(f"{name}: quoteline's verdicts differed between runs of the same binary")
        runners = {"rapidfuzz": run_rapidfuzz, "edlib": run_edlib, "ripgrep": run_ripgrep}
        for tool in COMPETITORS:
            if tool not in tools:
                continue
            began = time.perf_counter()
            outcome = runners[tool](corpus, competitor_queries, budget)
            if len(competitor_queries) < len(queries):
                outcome.notes.append(f"{len(competitor_queries)} of {len(queries)} quotes, evenly spaced"
                                     + (f"; {outcome.extrapolated} extrapolated from a {budget:.0f} s partial scan" if is_large else ""))
            entry["tools"][tool] = outcome.summary()
            print(f"{name}: {tool} {len(competitor_queries)} quotes in {time.perf_counter() - began:.1f} s", file=sys.stderr)

        # Whole drafts are checked as a user would: first with no saved index (each check builds
        # it in memory), then after `quoteline index` saved it (each check maps it).
        draft_sets = draft_paths(args.workloads, name, draft_kinds)
        unsaved: dict = {}
        if binary is not None:
            shutil.rmtree(index_cache_dir(corpus), ignore_errors=True)
            for kind, drafts in draft_sets.items():
                began = time.perf_counter()
                unsaved[kind] = run_quoteline_check(binary, corpus, kind, drafts, work, args.quoteline_timeout)
                print(f"{name}: quoteline check {kind} (no saved index) {time.perf_counter() - began:.1f} s", file=sys.stderr)
            entry["saved_index"] = run_quoteline_index(binary, corpus, work, args.quoteline_timeout)
            if "error" in entry["saved_index"]:
                failures.append(f"{name}: quoteline index {entry['saved_index']['error']}")
            else:
                # The same quotes again over the saved index: what `check` and the language server
                # see once `quoteline index` has run (for an archive, the way it is used).
                runs = quoteline_bench_runs(binary, corpus, queries, work, args, failures, index_cache_dir(corpus))
                entry["quoteline_saved"], _ = median_run(runs)
                if any(r.verdict_correct != entry["tools"]["quoteline"]["verdict_correct"] for r, _ in runs):
                    failures.append(f"{name}: quoteline bench's verdicts differ between the saved and the in-memory index")
        for kind, drafts in draft_sets.items():
            quotes = sum(len(load_expectations(d)["quotes"]) for d in drafts)
            per_tool: dict = {"quotes": quotes}
            if binary is not None:
                began = time.perf_counter()
                saved = run_quoteline_check(binary, corpus, kind, drafts, work, args.quoteline_timeout)
                per_tool["quoteline"] = {**saved, "saved_s": saved["wall_s"], "unsaved_s": unsaved[kind]["wall_s"]}
                for label, run in (("no saved index", unsaved[kind]), ("saved index", saved)):
                    if "error" in run:
                        print(f"{name} {kind}: quoteline check ({label}) {run['error']}", file=sys.stderr)
                        failures.append(f"{name} {kind}: quoteline check ({label}) {run['error']}")
                if "error" not in saved and saved.get("verdict_correct") != unsaved[kind].get("verdict_correct"):
                    failures.append(f"{name} {kind}: the saved index changed the verdicts")
                print(f"{name}: quoteline check {kind} (saved index) {time.perf_counter() - began:.1f} s", file=sys.stderr)
            if "ripgrep" in tools:
                per_tool["ripgrep"] = run_ripgrep_draft(corpus, drafts, work)
            for tool in ("rapidfuzz", "edlib"):
                summary = entry["tools"].get(tool)
                if summary is None or summary["mean_ms"] is None:
                    continue
                if kind == args.query_drafts and not summary["extrapolated_queries"] and summary["queries"] == quotes:
                    # The per-quote queries are exactly this draft set's quotes, so the sum is measured.
                    per_tool[tool] = {"first_s": summary["total_ms"] / 1000}
                else:
                    # These libraries check one quote at a time, so a draft costs quotes x mean quote time.
                    per_tool[tool] = {"estimated_s": summary["mean_ms"] * quotes / 1000}
            entry["drafts"][kind] = per_tool

    if not results["corpora"]:
        print("nothing to compare: run benches/workloads.py first", file=sys.stderr)
        return 2
    (args.out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    plot_name = "latency-vs-corpus.png"
    plot_problem = plot(results, args.out / plot_name)
    if plot_problem:
        print(plot_problem, file=sys.stderr)
    write_report(results, args.out, plot_name)
    print(summary_table(results))
    print()
    print(drafts_table(results))
    print()
    print(index_table(results))
    print(f"\nwrote {args.out / 'results.json'}, {args.out / 'report.md'}, {args.out / plot_name}", file=sys.stderr)

    if args.min_accuracy is not None:
        if binary is None:
            failures.append("quoteline did not run, so its accuracy is unknown")
        for name, corpus_entry in results["corpora"].items():
            for kind, per_tool in corpus_entry["drafts"].items():
                accuracy = per_tool.get("quoteline", {}).get("verdict_accuracy")
                if binary is not None and (accuracy is None or accuracy < args.min_accuracy):
                    failures.append(f"{name} {kind}: quoteline verdict accuracy {accuracy if accuracy is None else f'{accuracy:.2f}'} < {args.min_accuracy}")
    if failures and (args.require_quoteline or args.min_accuracy is not None):
        print("\nFAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
