"""HTTP load on loopback with wrk (Debian's `wrk`): N connections for a fixed time, each
request signed with one of the given bearer tokens in turn. Returns wrk's figures. Requests
unanswered after `timeout_seconds` count as timeouts, outside the latency percentiles, so the
timeout is set well above any latency worth reporting."""

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_SCRIPT = """
tokens = {%(tokens)s}
counter = 0
request = function()
  counter = counter + 1
  local headers = {["Host"] = "localhost"}
  if #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[(counter %% #tokens) + 1]
  end
  return wrk.format("GET", "%(path)s", headers)
end
"""


@dataclass(frozen=True)
class LoadResult:
    per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    # Requests that got no answer within the timeout (not in the latency figures) and other
    # socket errors.
    timeouts: int
    socket_errors: int


def run_wrk(
    base_url: str,
    path: str,
    *,
    tokens: list[str],
    connections: int,
    seconds: float,
    timeout_seconds: float = 10.0,
) -> LoadResult:
    lua = _SCRIPT % {"tokens": ", ".join(f'"{token}"' for token in tokens), "path": path}
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "load.lua"
        script.write_text(lua)
        output = subprocess.run(
            ["wrk", "-t", str(min(2, connections)), "-c", str(connections),
             "-d", f"{seconds:g}s", "--latency", "--timeout", f"{timeout_seconds:g}s",
             "-s", str(script), base_url],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    return LoadResult(
        per_second=float(_find(r"Requests/sec:\s+([\d.]+)", output)),
        p50_ms=_milliseconds(_find(r"\n\s+50%\s+([\d.]+\w+)", output)),
        p99_ms=_milliseconds(_find(r"\n\s+99%\s+([\d.]+\w+)", output)),
        non_2xx=int(_find(r"Non-2xx or 3xx responses:\s+(\d+)", output, default="0")),
        timeouts=int(_find(r"Socket errors:.*timeout (\d+)", output, default="0")),
        socket_errors=sum(
            int(value)
            for value in re.findall(
                r"(?:connect|read|write) (\d+)", _find(r"(Socket errors:.*)", output, default="")
            )
        ),
    )


def _find(pattern: str, text: str, default: str | None = None) -> str:
    match = re.search(pattern, text)
    if match:
        return match.group(1)
    if default is not None:
        return default
    raise ValueError(f"wrk output lacks {pattern!r}:\n{text}")


def _milliseconds(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
