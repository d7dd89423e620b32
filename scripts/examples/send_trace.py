#!/usr/bin/env python3
"""How a Vertigo Cloud Function signs and posts a trace event to vdt (standard library only).

The matching source in vdt's config:

    [[webhooks.sources]]
    name = "vertigo"
    scheme = "hmac-sha256"
    header = "X-Vertigo-Signature"
    secret_env = "VDT_VERTIGO_SECRET"

Usage: VDT_VERTIGO_SECRET=... send_trace.py http://127.0.0.1:8081/hooks/vertigo [--fail]
"""
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid


def post_trace(url, secret, trace):
    event = {
        "type": "trace.completed",
        "id": "evt_" + uuid.uuid4().hex,  # the delivery id: a retry with the same id is applied once
        "timestamp": int(time.time() * 1000),
        "data": {"trace": trace},
    }
    body = json.dumps(event, separators=(",", ":")).encode()
    # Sign the exact bytes sent: hex HMAC-SHA256 of the raw body.
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "X-Vertigo-Signature": "sha256=" + digest,
    })
    # Retry on 429/5xx/network errors with the same body (same id): vdt deduplicates.
    for attempt in range(5):
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            if e.code not in (429, 500, 502, 503, 504):
                return e.code, e.read().decode()
            wait = float(e.headers.get("Retry-After") or 2 ** attempt)
        except urllib.error.URLError:
            wait = 2 ** attempt
        time.sleep(wait)
    raise SystemExit("gave up after 5 attempts")


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    secret = os.environ.get("VDT_VERTIGO_SECRET")
    if not secret:
        raise SystemExit("set VDT_VERTIGO_SECRET to the source's secret")
    now = int(time.time() * 1000)
    trace = {
        "id": "tr_" + uuid.uuid4().hex[:12],
        "name": "meeting_processing",
        "status": "failed" if "--fail" in sys.argv else "completed",
        "model": "gemini-1.5-pro",
        "startTime": now - 1500,
        "endTime": now,
        "duration": 1500,
        "inputTokens": 1200,
        "outputTokens": 300,
        "cost": 0.0042,
        "userId": "u_17",
        "sessionId": "s_3",
        "tags": ["vertigo", "zoom"],
        "metadata": {"project": "vertigo", "variant": "detailed_extraction"},
    }
    status, text = post_trace(sys.argv[1], secret, trace)
    print(status, text)
    sys.exit(0 if 200 <= status < 300 else 1)


if __name__ == "__main__":
    main()
