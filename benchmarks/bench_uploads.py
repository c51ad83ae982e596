"""Do uploads saturate the configured concurrency? 500 essays to a local Content Service (SPEC §10).

The service (``ContentServiceServer`` on 127.0.0.1) delays every POST a little so requests
overlap; its ``stats.peak_posts_in_flight`` shows how many were in flight at once. For each
concurrency the runner's ``upload_texts`` uploads distinct 2–4 KB essays with a fresh cache
folder (nothing is a cache hit). Saturated means peak in flight == configured concurrency.

Usage: ``python benchmarks/bench_uploads.py [--essays N] [--delay S] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

import benchlib

from eng5_np.localstack.content_service import ContentFaults, ContentServiceServer
from eng5_np.upload import UploadCache, UploadItem, upload_texts

DEFAULT_ESSAYS = 500
QUICK_ESSAYS = 60
DEFAULT_DELAY_S = 0.02
CONCURRENCIES = (1, 10, 50)
SENTENCE = (
    "the school should give students more time to read because reading builds vocabulary "
    "and patience while phones and social media compete for attention every single day "
    "teachers parents and young people all agree that habits formed early last for years"
)


def make_essays(count: int, seed: int = 7) -> list[UploadItem]:
    """``count`` distinct essays of 2–4 KB (distinct: the uploader deduplicates by checksum)."""
    rng = random.Random(seed)
    vocabulary = SENTENCE.split()
    essays = []
    for index in range(count):
        size = rng.randint(2048, 4096)
        words: list[str] = [f"Essay {index}."]
        while sum(len(w) + 1 for w in words) < size:
            words.append(rng.choice(vocabulary))
        essays.append(
            UploadItem.from_text(f"student_essays/essay_{index:04d}.txt", " ".join(words))
        )
    return essays


async def run_one(essays: list[UploadItem], concurrency: int, delay_s: float) -> bool:
    """Upload every essay at one concurrency; print metrics; True when saturated."""
    faults = ContentFaults(post_delay_s=delay_s)
    async with ContentServiceServer(faults=faults) as server:
        with benchlib.scratch_dir("bench-uploads-") as cache_dir:
            cache = UploadCache(cache_dir, server.url)
            start = time.perf_counter()
            outcome = await upload_texts(
                essays, url=server.url, concurrency=concurrency, cache=cache
            )
            wall = time.perf_counter() - start
        peak = server.stats.peak_posts_in_flight
    if outcome.failures or outcome.uploaded != len(essays):
        raise SystemExit(f"uploaded {outcome.uploaded}/{len(essays)}: {outcome.failures[:3]}")
    floor = len(essays) * delay_s / concurrency
    benchlib.metric(f"c{concurrency}_wall_time", wall, "s")
    benchlib.metric(f"c{concurrency}_upload_rate", len(essays) / wall, "uploads/s")
    benchlib.metric(f"c{concurrency}_ideal_wall_time", floor, "s")
    benchlib.metric(f"c{concurrency}_efficiency", floor / wall, "fraction")
    saturated = peak == concurrency
    print(
        f"c{concurrency}_peak_in_flight {peak} of {concurrency} configured "
        f"({'saturated' if saturated else 'NOT saturated'})"
    )
    return saturated


async def run(count: int, delay_s: float) -> None:
    """All concurrencies, one fresh server each."""
    benchlib.quiet_logging()
    essays = make_essays(count)
    mean_kib = sum(len(e.text.encode()) for e in essays) / len(essays) / 1024
    benchlib.metric("essays", count, "texts")
    benchlib.metric("essay_size", mean_kib, "KiB")
    benchlib.metric("post_delay", delay_s, "s")
    results = {c: await run_one(essays, c, delay_s) for c in CONCURRENCIES}
    verdict = "PASS" if all(results.values()) else "MISS"
    print(f"saturation at every concurrency: {verdict}")


def main() -> None:
    """Parse flags and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--essays", type=int, default=DEFAULT_ESSAYS, help="texts to upload")
    parser.add_argument("--delay", type=float, default=DEFAULT_DELAY_S, help="POST delay (s)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ESSAYS} essays (smoke)")
    args = parser.parse_args()
    count = QUICK_ESSAYS if args.quick else args.essays
    if count < max(CONCURRENCIES):
        parser.error(f"--essays must be at least {max(CONCURRENCIES)} to fill every concurrency")
    start = time.perf_counter()
    asyncio.run(run(count, args.delay))
    benchlib.metric("wall_time", time.perf_counter() - start, "s")


if __name__ == "__main__":
    main()
