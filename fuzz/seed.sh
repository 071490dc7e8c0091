#!/usr/bin/env bash
# Seeds the fuzz corpora from the conformance vectors (real payloads, bundles and
# status lists signed with the same fixed keys the targets trust).
set -euo pipefail
cd "$(dirname "$0")"
python3 - <<'PY'
import glob, hashlib, json, os
def put(target, data):
    os.makedirs(f"corpus/{target}", exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(f"corpus/{target}/{name}", "wb") as f:
        f.write(data)
for path in sorted(glob.glob("../wallet-spec/vectors/*.json")):
    if path.endswith("index.json"):
        continue
    v = json.load(open(path))
    i = v["input"]
    if "payload" in i:
        put("payload_decode", i["payload"].encode())
        put("verify_full", i["payload"].encode())
        put("presentation_decode", i["payload"].encode())
    for key in ("bundle", "held", "candidate"):
        if key in i:
            put("bundle_parse", json.dumps(i[key]).encode())
            lists = i[key]["statusLists"]
            if lists:
                put("bundle_parse", json.dumps(lists).encode())
            for l in lists:
                put("status_list_decode", l["credentialSubject"]["encodedList"].encode())
PY
echo "corpora seeded: $(ls corpus | tr '\n' ' ')"
