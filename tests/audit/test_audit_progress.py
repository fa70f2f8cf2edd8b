"""Large inputs: the audit tells its progress (bytes read of bytes in all) through both passes, and
reading stays streaming."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from zapguard.audit.run import audit
from zapguard.cli._runtime import open_runtime


def test_progress_reaches_the_whole_input_in_the_count_and_in_the_replay(tmp_path: Path) -> None:
    lines = ["13/03/2024 08:00 - Ana: oi"]
    for i in range(3000):
        minute = f"{8 + i // 600:02d}:{(i // 10) % 60:02d}"
        who = "Loja" if i % 2 else "Ana"
        lines.append(f"13/03/2024 {minute} - {who}: mensagem {i}")
    export = tmp_path / "chat.txt"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    size = export.stat().st_size
    told: list[tuple[str, int, int]] = []
    result = audit(
        [export],
        services=lambda: open_runtime(None, None, None, temporary=True),
        me="Loja",
        zone=ZoneInfo("America/Sao_Paulo"),
        progress=lambda what, done, total: told.append((what, done, total)),
    )
    assert result.business_messages == 1500
    counting = [t for t in told if t[0].startswith("contando / counting")]
    replaying = [t for t in told if t[0] == "replay"]
    assert counting and replaying
    assert all(total == size for _, _, total in told)
    assert [done for _, done, _ in counting] == sorted(done for _, done, _ in counting)
    assert counting[-1][1] == size
    assert 0 < replaying[-1][1] <= size
