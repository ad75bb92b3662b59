"""The ``exchange validate`` command: output, JSON output and exit codes."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from exchange import jsonio
from exchange.cli.main import cli
from tests.contract.documents import ORDER_REF, encode, order, orders_package

OTHER_REF = "aaaaaaaa-0000-4000-8000-000000000001"


def write(tmp_path: Path, name: str, document: object) -> Path:
    """Write a document as a file and return its path."""
    path = tmp_path / name
    path.write_bytes(encode(document))
    return path


def run(tmp_path: Path, *arguments: str) -> tuple[int, str]:
    """Run the command with an empty configuration file; return code and output."""
    config = tmp_path / "exchange.toml"
    config.write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "validate", *arguments])
    return result.exit_code, result.stdout


def test_valid_file_exit_0(tmp_path: Path) -> None:
    """A valid file is reported valid and the command exits 0."""
    path = write(tmp_path, "good.json", orders_package())
    code, output = run(tmp_path, str(path))
    assert code == 0
    assert "good.json: valid (orders)" in output
    assert "files checked: 1; with problems: 0" in output


def test_contract_violation_exit_1(tmp_path: Path) -> None:
    """Violations are printed as path: value: message, and exit 1."""
    path = write(
        tmp_path, "bad.json", orders_package(order(realization_date="31.12.2026"))
    )
    code, output = run(tmp_path, str(path))
    assert code == 1
    assert "bad.json: rejected; contract violations: 1" in output
    assert '/orders/0/realization_date: "31.12.2026": is not a date;' in output


def test_order_problem_exit_1(tmp_path: Path) -> None:
    """Orders failing a business check make the command exit 1."""
    document = orders_package(
        order(ref=ORDER_REF, document_number="Д-1"),
        order(ref=OTHER_REF, document_number="Д-1"),
    )
    path = write(tmp_path, "shared.json", document)
    code, output = run(tmp_path, str(path))
    assert code == 1
    assert "orders failing a business check: 2" in output
    assert "/orders/1/document_number:" in output


def test_json_output(tmp_path: Path) -> None:
    """--json prints one JSON document listing every file."""
    good = write(tmp_path, "good.json", orders_package())
    bad = write(tmp_path, "bad.json", {**orders_package(), "version": 2})
    code, output = run(tmp_path, "--json", str(good), str(bad))
    assert code == 1
    document = jsonio.loads(output)
    assert document["valid"] is False
    assert [entry["file"] for entry in document["files"]] == ["good.json", "bad.json"]
    assert document["files"][0]["valid"] is True
    assert document["files"][1]["errors"][0]["path"] == "/version"
    assert document["files"][1]["errors_total"] == 1


def test_max_errors_option(tmp_path: Path) -> None:
    """--max-errors caps the listed violations but not the count."""
    orders = [
        order(ref=f"{index:08d}-d9cb-469f-a165-70867728950e", number=index)
        for index in range(1, 5)
    ]
    path = write(tmp_path, "many.json", orders_package(*orders))
    code, output = run(tmp_path, "--max-errors", "2", str(path))
    assert code == 1
    assert "contract violations: 4 (2 listed)" in output


def test_config_caps_and_zone(tmp_path: Path) -> None:
    """[inbox] max_file_mib from the configuration limits the file size."""
    config = tmp_path / "exchange.toml"
    config.write_text("[inbox]\nmax_file_mib = 1\n", encoding="utf-8")
    path = tmp_path / "big.json"
    path.write_bytes(b" " * (1024 * 1024 + 1))
    result = CliRunner().invoke(cli, ["--config", str(config), "validate", str(path)])
    assert result.exit_code == 1
    assert "[inbox] max_file_mib" in result.stdout


def test_missing_file_exit_2(tmp_path: Path) -> None:
    """A missing file is a usage error with exit code 2."""
    code, _ = run(tmp_path, str(tmp_path / "absent.json"))
    assert code == 2


def test_command_alone_uses_defaults(tmp_path: Path) -> None:
    """Invoked without the group, the command falls back to the defaults."""
    from exchange.cli.validate_cmd import command

    path = write(tmp_path, "good.json", orders_package())
    result = CliRunner().invoke(command, [str(path)])
    assert result.exit_code == 0
    assert "good.json: valid (orders)" in result.stdout
