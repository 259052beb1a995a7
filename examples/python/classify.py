#!/usr/bin/env python3
"""A Python consumer of the registry, with nothing but the published JSON files and `jsonschema`.

It proves the schemas work outside TypeScript:
1. loads generated/registry.json and validates it against generated/registry.schema.json
   (Draft 2020-12);
2. classifies failed objects the way the TypeScript runtime does, from registry.json's data alone:
   a known code, a refinement, and an unknown code that gets its surface's fallback;
3. validates each failed API object against generated/failure.schema.json, and each record this
   script builds, plus any toJSON() records given as files, against
   generated/failure-record.schema.json.

    python3 examples/python/classify.py [RECORD.json ...]

Prints one line per check and exits 0; exits 1 naming the first check that failed.
"""

import json
import sys
from pathlib import Path

try:
    from jsonschema import Draft202012Validator
except ImportError:  # pragma: no cover - the message is the point
    sys.exit(
        f"{sys.executable}: the jsonschema package is missing "
        "(Debian: apt-get install python3-jsonschema; else pip install jsonschema)"
    )

GENERATED = Path(__file__).resolve().parents[2] / "generated"


def load(name):
    with open(GENERATED / name, encoding="utf-8") as f:
        return json.load(f)


def validator(schema):
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def read_path(obj, path):
    """Reads a dotted registry path (`errors.data[0].code`); None when any step is missing."""
    cur = obj
    for part in path.replace("[", ".").replace("]", "").split("."):
        if isinstance(cur, list) and part.isdigit():
            cur = cur[int(part)] if int(part) < len(cur) else None
        elif isinstance(cur, dict):
            cur = cur.get(part)
        else:
            return None
    return cur


def first_string(obj, paths):
    for p in paths:
        v = read_path(obj, p)
        if isinstance(v, str) and v:
            return v
    return None


class Registry:
    """The lookups a classifier needs, built from registry.json."""

    def __init__(self, data):
        self.data = data
        self.codes = data["codes"]
        self.surfaces = data["surfaces"]
        self.nominal = {name: c.get("status") for name, c in data["sdkClasses"].items()}

    def surface_of(self, obj):
        # A surface whose match has a "has" path is told apart from one recognised by the same
        # value by a string at that path: try those first.
        ordered = sorted(self.surfaces.items(), key=lambda item: "has" not in (item[1].get("match") or {}))
        for name, s in ordered:
            match = s.get("match")
            if not match or read_path(obj, match["path"]) not in match["values"]:
                continue
            if "has" in match and not isinstance(read_path(obj, match["has"]), str):
                continue
            return name, s
        return None, None

    def outcome(self, surface, code, type_, message):
        """(reported code, outcome dict, known) for a code on a surface: refinements, overrides, fallback."""
        entry = self.codes.get(code) if code is not None else None
        if entry is None and type_ in self.codes:
            code, entry = type_, self.codes[type_]
        if entry is None:
            return code, self.data["fallbacks"][self.surfaces[surface]["unknown"]], False
        for r in entry["refinements"]:
            when = r["when"]
            if "type" in when and when["type"] != type_:
                continue
            if "messageContains" in when and when["messageContains"] not in (message or "").lower():
                continue
            if "as" in r:
                return r["as"], self.codes[r["as"]], True
            return code, r, True
        return code, entry["overrides"].get(surface, entry), True

    def classify(self, obj):
        """The FailureFacts record for a failed or incomplete object; None when it is not one."""
        name, s = self.surface_of(obj)
        if s is None:
            return None
        status = s.get("status")
        kind = None
        if status:
            value = read_path(obj, status["path"])
            for k in ("failed", "expired", "incomplete"):
                if value in status[k]:
                    kind = k
            if kind is None:
                return None
        else:
            kind = "error_event"
        fields = s["fields"]
        code = first_string(obj, fields.get("reason" if kind == "incomplete" else "code", []))
        if code is None and kind == "expired":
            code = s.get("expiredCode")
        type_ = first_string(obj, fields.get("type", []))
        message = first_string(obj, fields.get("message", [])) or ""
        reported, outcome, known = self.outcome(name, code, type_, message)
        backoff = dict(self.data["backoff"][outcome["backoff"]], name=outcome["backoff"])
        replay = s["replay"]
        return {
            "class": outcome["class"],
            "code": reported,
            "known": known,
            "surface": name,
            "kind": kind,
            "category": outcome["category"],
            "retryable": outcome["retryable"],
            "backoff": backoff,
            "message": message or f"no message ({reported or 'no code'})",
            "type": type_,
            "objectId": first_string(obj, fields.get("id", [])),
            "status": self.nominal.get(outcome["extends"]),
            "transportStatus": 200,
            "requestID": None,
            "truncated": False,
            "replay": {
                "mayHaveBilled": replay["started"],
                "outputDelivered": kind == "incomplete" or any(read_path(obj, p) for p in replay.get("output", [])),
                "continuesConversation": first_string(obj, replay.get("conversation", [])) is not None,
            },
        }


def check(what, condition):
    if not condition:
        sys.exit(f"FAILED: {what}")
    print(f"ok: {what}")


def main(record_files):
    registry_data = load("registry.json")
    errors = sorted(validator(load("registry.schema.json")).iter_errors(registry_data), key=str)
    check(f"registry.json {registry_data['version']} validates against registry.schema.json ({len(errors)} errors)", not errors)

    registry = Registry(registry_data)
    failure_schema = validator(load("failure.schema.json"))
    record_schema = validator(load("failure-record.schema.json"))

    cases = [
        (
            {"id": "resp_1", "object": "response", "status": "failed", "output": [],
             "error": {"code": "rate_limit_exceeded", "message": "Rate limit reached. Please try again in 20s."}},
            {"class": "RateLimitExceededError", "retryable": True, "known": True, "status": 429},
        ),
        (
            {"id": "resp_2", "object": "response", "status": "failed", "output": [],
             "error": {"code": "rate_limit_exceeded", "message": "Request too large for gpt-4o on tokens per min"}},
            {"class": "RequestTooLargeError", "retryable": False},
        ),
        (
            {"id": "resp_3", "object": "response", "status": "failed", "output": [],
             "error": {"code": "a_code_from_the_future", "message": "Something new happened."}},
            {"class": registry_data["fallbacks"][registry_data["surfaces"]["response"]["unknown"]]["class"],
             "code": "a_code_from_the_future", "known": False, "retryable": False},
        ),
        (
            {"id": "run_1", "object": "thread.run", "status": "failed",
             "last_error": {"code": "server_error", "message": "Sorry, something went wrong."}},
            {"class": "ServerError", "retryable": True, "surface": "assistants.run"},
        ),
    ]
    for obj, expected in cases:
        errors = list(failure_schema.iter_errors(obj))
        check(f"{obj['id']} ({read_path(obj, 'error.code') or read_path(obj, 'last_error.code')}) validates against failure.schema.json", not errors)
        record = registry.classify(obj)
        got = {k: record.get(k) for k in expected} if record else None
        check(f"{obj['id']} classifies as {expected}", got == expected)
        errors = list(record_schema.iter_errors(record))
        check(f"{obj['id']} record validates against failure-record.schema.json", not errors)

    check("a completed response is not a failure", registry.classify({"object": "response", "status": "completed"}) is None)
    check("an object that is not a failure is rejected by failure.schema.json",
          not failure_schema.is_valid({"object": "response", "status": "completed"}))

    for path in record_files:
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
        errors = [e.message for e in record_schema.iter_errors(record)]
        check(f"toJSON() record {Path(path).name} ({record.get('class')}) validates against failure-record.schema.json {errors[:1]}", not errors)
        check(f"toJSON() record {Path(path).name} names a class the registry knows or a fallback",
              record.get("class") in {c["class"] for c in registry.codes.values()} | {f["class"] for f in registry_data["fallbacks"].values()}
              or any(r.get("class") == record.get("class") for c in registry.codes.values() for r in c["refinements"]))
    print("python consumer: all checks passed")


if __name__ == "__main__":
    main(sys.argv[1:])
