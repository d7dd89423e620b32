"""The signed ~1 KB LangWatch `trace.updated` bodies of the webhook benchmarks, and wrk's
script to post them with an hmac-sha256 signature (`X-LangWatch-Signature: sha256=HEX`).

Usage: python3 scripts/lib/webhook_bench_body.py WORK_DIR SECRET [N]
Writes WORK_DIR/body.json (the first body), WORK_DIR/sig (its signature), WORK_DIR/post.lua and,
with N > 1, WORK_DIR/bodies.tsv. Used by scripts/bench-webhooks.sh and scripts/ab-webhooks.sh.
"""
import hashlib, hmac, json, sys
work, secret = sys.argv[1], sys.argv[2].encode()
n = int(sys.argv[3]) if len(sys.argv) > 3 else 1
def body(i):
    trace = {"id": "tr_bench" if n == 1 else f"tr_{i:06d}", "name": "meeting_processing",
             "status": "completed", "model": "gemini-1.5-pro", "startTime": 1764237598500,
             "endTime": 1764237600000, "duration": 1500,
             "input": "Summarize the meeting notes for the weekly sync " * 11,
             "output": {"text": "Action items: ship the webhook receiver; review alerts."},
             "inputTokens": 1200, "outputTokens": 300, "cost": 0.0042, "userId": "u_17",
             "sessionId": "s_3", "tags": ["vertigo", "zoom"],
             "metadata": {"variant": "detailed_extraction", "project": "vertigo"}}
    b = {"type": "trace.updated", "timestamp": 1764237600000, "data": {"trace": trace}}
    return json.dumps(b, separators=(",", ":"))
bodies = [body(i) for i in range(n)]
open(f"{work}/body.json", "w").write(bodies[0])
sig = lambda b: hmac.new(secret, b.encode(), hashlib.sha256).hexdigest()
lua = ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"']
if n == 1:
    lua += [f"wrk.body = {json.dumps(bodies[0])}",
            f'wrk.headers["X-LangWatch-Signature"] = "sha256={sig(bodies[0])}"']
else:
    # Read at each thread's start: as literals, tens of thousands of strings exceed what one
    # LuaJIT chunk may hold.
    with open(f"{work}/bodies.tsv", "w") as f:
        for b in bodies:
            f.write(f"sha256={sig(b)}\t{b}\n")
    lua += ["local bodies, sigs = {}, {}",
            f'for line in io.lines("{work}/bodies.tsv") do',
            '  local s, b = line:match("^([^\t]*)\t(.*)$")',
            "  sigs[#sigs + 1] = s; bodies[#bodies + 1] = b",
            "end"]
    # Each wrk thread starts at its own offset so the two do not send the same trace at once.
    lua += ["local threads = 0",
            "setup = function(thread) threads = threads + 1; thread:set('offset', threads * 997) end",
            "local i = 0",
            "init = function() i = (offset or 0) % #bodies end",
            "request = function()",
            "  i = i % #bodies + 1",
            '  wrk.headers["X-LangWatch-Signature"] = sigs[i]',
            "  return wrk.format(nil, nil, nil, bodies[i])",
            "end"]
open(f"{work}/post.lua", "w").write("\n".join(lua) + "\n")
open(f"{work}/sig", "w").write(sig(bodies[0]))
