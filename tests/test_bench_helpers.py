"""The benchmarks' own arithmetic and parsing: what their figures rest on (the figures themselves
are measurements and are never asserted)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


loadgen = _load("loadgen")
procstat = _load("procstat")


def test_a_percentile_is_the_nearest_rank_never_an_interpolation() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # 1..100, unsorted
    assert loadgen.percentile(values, 0.5) == 50.0
    assert loadgen.percentile(values, 0.99) == 99.0
    assert loadgen.percentile(values, 1.0) == 100.0
    assert loadgen.percentile([7.0], 0.99) == 7.0
    assert loadgen.percentile([1.0, 2.0, 3.0], 0.01) == 1.0


def test_a_percentile_of_nothing_or_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError):
        loadgen.percentile([], 0.5)
    with pytest.raises(ValueError):
        loadgen.percentile([1.0], 0.0)
    with pytest.raises(ValueError):
        loadgen.percentile([1.0], 1.5)


def test_the_open_loop_schedule_sends_at_fixed_intervals_from_zero() -> None:
    assert loadgen.schedule(100, 4) == [0.0, 0.01, 0.02, 0.03]
    assert loadgen.schedule(0.5, 3) == [0.0, 2.0, 4.0]
    assert loadgen.schedule(10, 0) == []
    with pytest.raises(ValueError):
        loadgen.schedule(0, 3)


def test_a_request_is_written_as_http_1_1_with_its_length() -> None:
    raw = loadgen.http_request(
        "POST", "/v21.0/1/messages", host="127.0.0.1", body=b'{"a":1}', headers={"X-K": "v"}
    )
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /v21.0/1/messages HTTP/1.1"
    assert "Content-Length: 7" in lines and "Host: 127.0.0.1" in lines and "X-K: v" in lines
    assert body == b'{"a":1}'


def test_responses_are_parsed_whatever_the_split_of_the_bytes() -> None:
    first = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n{}"
    second = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 5\r\n\r\nnope!"
    stream = first + second
    for cut in range(1, len(stream)):
        parser = loadgen.ResponseParser()
        answers = parser.feed(stream[:cut]) + parser.feed(stream[cut:])
        assert answers == [(200, b"{}"), (400, b"nope!")], cut


def test_a_response_the_lean_client_cannot_frame_is_an_error_not_a_guess() -> None:
    with pytest.raises(loadgen.ProtocolError, match="Transfer-Encoding"):
        loadgen.ResponseParser().feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    with pytest.raises(loadgen.ProtocolError, match="Content-Length"):
        loadgen.ResponseParser().feed(b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\n")
    with pytest.raises(loadgen.ProtocolError, match="status line"):
        loadgen.ResponseParser().feed(b"SSH-2.0-OpenSSH\r\n\r\n")


def test_a_proc_stat_line_is_split_after_the_last_parenthesis_of_the_name() -> None:
    line = "4242 (we(ird) name) S 17 4242 4242 0 -1 4194560 " + " ".join(["0"] * 4) + " 123 45 0 0"
    fields = procstat.stat_fields(line)
    assert fields[1] == "4242" and fields[2] == "we(ird) name"
    assert fields[3] == "S" and fields[4] == "17"
    assert (fields[14], fields[15]) == ("123", "45")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_process_tree_includes_its_root() -> None:
    import os

    assert os.getpid() in procstat.descendants(os.getpid())
    assert procstat.rss_bytes(os.getpid()) > 0


check_targets = _load("check_targets")


def test_the_target_check_reads_the_last_json_line_of_a_saved_output() -> None:
    output = 'figures...\n{"not": "this"}\nmore text\n{"benchmark": "gateway", "targets": {}}\n'
    assert check_targets.last_json(output) == {"benchmark": "gateway", "targets": {}}
    assert check_targets.last_json("no json here\n{broken") is None


def test_a_target_not_measured_fails_the_check_unless_allowed() -> None:
    result = {
        "targets": {
            "ratio": {"value": 0.6, "op": ">=", "limit": 0.5, "pass": True},
            "growth_claim": {"value": 3.0, "op": "<=", "limit": 1.2, "pass": False},
            "rss_growth_mb": {"value": None, "op": "<=", "limit": 4.0, "pass": None},
        }
    }
    failed = {name for name, _, bad in check_targets.verdicts(result, False) if bad}
    assert failed == {"growth_claim", "rss_growth_mb"}
    failed = {name for name, _, bad in check_targets.verdicts(result, True) if bad}
    assert failed == {"growth_claim"}
