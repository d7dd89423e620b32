#!/usr/bin/env python3
"""Seed Vertigo-shaped documents into a Firestore emulator (standard library only).

Used by the benchmarks and the demo. Writes through the REST `:commit` endpoint in batches
of 500, `Authorization: Bearer owner` as the emulator expects.

  seed_emulator.py HOST:PORT PROJECT traces COUNT [--start N] [--fail-every K]
  seed_emulator.py HOST:PORT PROJECT meetings COUNT
"""
import argparse
import json
import random
import time
import urllib.request

MODELS = ["gemini-1.5-pro", "gemini-1.5-flash", "gemini-2.0-flash"]
NAMES = ["meeting_processing", "email_triage", "summary_generation", "action_items"]


def value(v):
    """Plain JSON -> a Firestore value."""
    if v is None:
        return {"nullValue": None}
    if isinstance(v, bool):
        return {"booleanValue": v}
    if isinstance(v, int):
        return {"integerValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, str):
        return {"stringValue": v}
    if isinstance(v, list):
        return {"arrayValue": {"values": [value(x) for x in v]}}
    if isinstance(v, dict):
        return {"mapValue": {"fields": {k: value(x) for k, x in v.items()}}}
    raise TypeError(type(v))


def ts(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + ".%03dZ" % (ms % 1000)


def trace(i, now_ms, rng, fail_every, spike_every, newest):
    start = now_ms - rng.randint(0, 3_600_000)
    failed = fail_every and i % fail_every == 0
    duration = rng.randint(400, 2500)
    if spike_every and i % spike_every == 0:
        duration *= 8
    fields = {
        "trace_id": "tr_%08d" % i,
        "name": rng.choice(NAMES),
        "status": "failed" if failed else "completed",
        "model": rng.choice(MODELS),
        "start_time": start,
        "end_time": start + duration,
        "duration_ms": duration,
        "input": "Summarize the meeting transcript for the project team." * 4,
        "output": {"text": "Action items: follow up with the client; send notes." * 3},
        "input_tokens": rng.randint(300, 4000),
        "output_tokens": rng.randint(50, 900),
        "cost": round(rng.uniform(0.0005, 0.02), 6),
        "user_id": "u_%d" % rng.randint(1, 40),
        "session_id": "s_%d" % rng.randint(1, 400),
        "tags": ["vertigo", rng.choice(["zoom", "meet", "teams"])],
        "metadata": {"project": rng.choice(["vertigo", "vertigo-eu"]), "variant": "detailed_extraction"},
        "created_at": start,
    }
    doc = {k: value(v) for k, v in fields.items()}
    # One second apart, the newest now: writes spread over time as in production, so an
    # incremental run's overlap window holds a few documents, not the whole seed.
    doc["updated_at"] = {"timestampValue": ts(now_ms - (newest - i) * 1000)}
    return doc


def meeting(i, now_ms, rng):
    fields = {
        "meeting_title": "Weekly sync %d" % i,
        "transcript": "Speaker 1: Let's review the roadmap. Speaker 2: Agreed." * 10,
        "processed_notes": "Roadmap reviewed.",
        "gemini_result": {"summary": "Roadmap reviewed", "confidence": 0.92},
        "structured_data": {"action_items": ["send notes", "book follow-up"]},
        "transcript_type": rng.choice(["zoom", "meet"]),
        "project": "vertigo",
        "participants": ["ana@example.com", "li@example.com"],
        "duration_minutes": rng.randint(15, 90),
        "metadata": {"source": "calendar"},
        "created_at": now_ms - rng.randint(0, 86_400_000),
    }
    doc = {k: value(v) for k, v in fields.items()}
    doc["timestamp"] = {"timestampValue": ts(now_ms)}
    return doc


def commit(host, project, writes):
    url = "http://%s/v1/projects/%s/databases/(default)/documents:commit" % (host, project)
    body = json.dumps({"writes": writes}).encode()
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": "Bearer owner", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        r.read()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("host")
    p.add_argument("project")
    p.add_argument("kind", choices=["traces", "meetings"])
    p.add_argument("count", type=int)
    p.add_argument("--collection")
    p.add_argument("--start", type=int, default=0, help="first document number")
    p.add_argument("--fail-every", type=int, default=9, help="every Kth trace fails (0: none)")
    p.add_argument("--spike-every", type=int, default=0, help="every Kth trace is 8x slower")
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    collection = a.collection or ("vertigo_traces" if a.kind == "traces" else "meetings")
    rng = random.Random(a.seed + a.start)
    now_ms = int(time.time() * 1000)
    root = "projects/%s/databases/(default)/documents/%s" % (a.project, collection)
    batch = []
    for i in range(a.start, a.start + a.count):
        fields = trace(i, now_ms, rng, a.fail_every, a.spike_every, a.start + a.count - 1) if a.kind == "traces" else meeting(i, now_ms, rng)
        doc_id = "tr_%08d" % i if a.kind == "traces" else "m_%06d" % i
        batch.append({"update": {"name": "%s/%s" % (root, doc_id), "fields": fields}})
        if len(batch) == 500:
            commit(a.host, a.project, batch)
            batch = []
    if batch:
        commit(a.host, a.project, batch)


if __name__ == "__main__":
    main()
