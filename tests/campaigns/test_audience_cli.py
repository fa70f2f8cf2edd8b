"""``zapguard audience import|list|show`` as a person uses it: one JSON object on stdout with
``--json``, one clear line on stderr and a non-zero exit for what cannot be imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audience_files import PT_HEADER, excel_ptbr_csv, xlsx
from typer.testing import CliRunner, Result

from zapguard.cli import app


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZAPGUARD_CONFIG", raising=False)
    monkeypatch.delenv("ZAPGUARD_DATABASE_URL", raising=False)
    return tmp_path


def zapguard(db: str, *args: str) -> Result:
    return CliRunner(env={"COLUMNS": "250"}).invoke(app, [*args, "--db", db])


def flat(text: str) -> str:
    return " ".join(text.split())


def test_import_json_prints_exactly_one_object_with_the_documented_shape(
    database_url: str, tmp_path: Path
) -> None:
    path = excel_ptbr_csv(
        tmp_path / "clientes.csv",
        [
            PT_HEADER,
            ["(11) 98765-4321", "José", "sim", "05/03/2024", "site", "São Paulo"],
            ["+55 11 98765-4321", "José", "sim", "05/03/2024", "site", "São Paulo"],
            ["123", "Inválido", "sim", "05/03/2024", "site", "Rio"],
            ["(21) 99876-5432", "Ana", "não", "", "", "Niterói"],
        ],
    )

    result = zapguard(database_url, "audience", "import", str(path), "--name", "clientes", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "audience": "clientes",
        "rows": 4,
        "usable": 1,
        "excluded": {"invalid_phone": 1, "duplicate": 1, "no_consent": 1, "opted_out": 0},
        "problems": [
            {"row": 3, "reason": "duplicate", "value": "+55 11 98765-4321"},
            {"row": 4, "reason": "invalid_phone", "value": "123"},
            {"row": 5, "reason": "no_consent", "value": "não"},
        ],
    }
    assert result.stdout.count("\n") == 1

    shown = zapguard(database_url, "audience", "show", "clientes", "--json")
    assert json.loads(shown.stdout) == json.loads(result.stdout)
    listed = json.loads(zapguard(database_url, "audience", "list", "--json").stdout)
    assert [(item["audience"], item["rows"], item["fields"]) for item in listed] == [
        ("clientes", 4, ["cidade"])
    ]


def test_import_and_show_print_counts_and_problems_in_portuguese_and_english(
    sqlite_url: str, tmp_path: Path
) -> None:
    path = xlsx(tmp_path / "l.xlsx", [["Celular", "Aceite"], [11987654321, "sim"], ["x", "sim"]])

    result = zapguard(sqlite_url, "audience", "import", str(path), "--name", "l")

    assert result.exit_code == 0, result.output
    text = flat(result.stdout)
    assert "utilizáveis / usable 1" in text
    assert "telefone inválido / invalid phone 1" in text
    assert "3 telefone inválido / invalid phone x" in text


def test_column_option_maps_an_unrecognised_header(sqlite_url: str, tmp_path: Path) -> None:
    path = excel_ptbr_csv(
        tmp_path / "f.csv", [["Número de WhatsApp", "Cliente"], ["11987654321", "Ana"]]
    )

    refused = zapguard(sqlite_url, "audience", "import", str(path), "--name", "f")
    accepted = zapguard(
        sqlite_url,
        "audience",
        "import",
        str(path),
        "--name",
        "f",
        "--column",
        "phone=Número de WhatsApp",
        "--column",
        "name=Cliente",
        "--json",
    )

    assert refused.exit_code == 2
    assert "--column phone=" in flat(refused.stderr)
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(accepted.stdout)["rows"] == 1


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("vazio.csv", b"", "vazio.csv:1: arquivo vazio"),
        (
            "sem_fone.csv",
            b"Nome;Cidade\r\nAna;Rio\r\n",
            "sem_fone.csv:1: nenhuma coluna de telefone",
        ),
        ("lista.pdf", b"%PDF-1.4", "lista.pdf: tipo de arquivo desconhecido"),
        (
            "torta.csv",
            b"Telefone,Nome\r\n11987654321,Ana\r\n11987654322,Rua A, 10\r\n",
            "torta.csv:3: linha ilegível",
        ),
    ],
)
def test_what_cannot_be_imported_is_one_clear_line_and_a_non_zero_exit(
    sqlite_url: str, tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    result = zapguard(sqlite_url, "audience", "import", str(path), "--name", "x", "--json")

    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # no traceback
    assert expected in flat(result.stderr)
    assert result.stdout == ""
    assert json.loads(zapguard(sqlite_url, "audience", "list", "--json").stdout) == []


def test_a_second_import_of_a_name_is_refused_unless_replace(
    sqlite_url: str, tmp_path: Path
) -> None:
    path = excel_ptbr_csv(tmp_path / "a.csv", [["Telefone"], ["11987654321"]])
    assert zapguard(sqlite_url, "audience", "import", str(path), "--name", "a").exit_code == 0

    again = zapguard(sqlite_url, "audience", "import", str(path), "--name", "a")
    replaced = zapguard(sqlite_url, "audience", "import", str(path), "--name", "a", "--replace")

    assert again.exit_code == 2
    assert "já existe" in again.stderr and "--replace" in again.stderr
    assert replaced.exit_code == 0


def test_help_says_what_an_existing_name_does(sqlite_url: str) -> None:
    result = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["audience", "import", "--help"])

    assert "--replace" in result.stdout
    assert "recusado, a menos que --replace" in flat(result.stdout)
    assert "refused unless --replace" in flat(result.stdout)


def test_show_of_an_unknown_audience_is_a_clear_error(sqlite_url: str) -> None:
    result = zapguard(sqlite_url, "audience", "show", "nenhum")

    assert result.exit_code == 2
    assert "público não encontrado / audience not found: 'nenhum'" in flat(result.stderr)


def test_on_a_terminal_the_progress_bar_goes_to_stderr_and_stdout_stays_one_json_object(
    sqlite_url: str, tmp_path: Path
) -> None:
    rows = [["Telefone", "Aceite"], *([f"1198765{n:04d}", "sim"] for n in range(6000))]
    path = excel_ptbr_csv(tmp_path / "grande.csv", rows)
    # FORCE_COLOR makes rich treat the streams as a terminal, where the bar is drawn.
    runner = CliRunner(env={"COLUMNS": "120", "FORCE_COLOR": "1"})

    result = runner.invoke(
        app, ["audience", "import", str(path), "--name", "g", "--json", "--db", sqlite_url]
    )

    assert result.exit_code == 0, result.output
    assert "importando / importing" in result.stderr
    assert json.loads(result.stdout)["usable"] == 6000
