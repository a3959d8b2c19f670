"""One private key is one finding, however the files that hold it lay out its lines."""

from __future__ import annotations

import base64
import json
import random
import re
from pathlib import Path

from git_builders import GitRepo, fingerprint, scan

from scanner.detect.key_material import canonical_key


def _pem(seed: int) -> str:
    body = base64.b64encode(random.Random(seed).randbytes(600)).decode()
    lines = ["MIIEv" + body[:59], *(body[i : i + 64] for i in range(59, len(body), 64))]
    return "-----BEGIN PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END PRIVATE KEY-----"


KEY = _pem(1)


def _layouts(key: str) -> dict[str, str]:
    """The same key as a key file, an indented YAML block, a JSON string with escaped line
    ends, and CRLF line ends."""
    indented = "\n".join("    " + line for line in key.splitlines())
    return {
        "deploy/key.pem": key + "\n",
        "k8s/secret.yaml": f"stringData:\n  tls.key: |\n{indented}\n",
        "config/service.json": json.dumps({"private_key": key + "\n"}, indent=2) + "\n",
        "windows/key.pem": key.replace("\n", "\r\n") + "\r\n",
    }


def test_every_layout_of_one_key_has_the_same_canonical_form() -> None:
    forms = set()
    for text in _layouts(KEY).values():
        start = text.index("-----BEGIN")
        end = text.index("-----END PRIVATE KEY-----") + len("-----END PRIVATE KEY-----")
        forms.add(canonical_key(text[start:end].encode()))
    assert len(forms) == 1
    (form,) = forms
    assert form.startswith(b"-----BEGIN PRIVATE KEY-----\nMIIEv")
    body = form.split(b"\n")[1]
    assert re.fullmatch(rb"[A-Za-z0-9+/=]+", body)


def test_two_keys_stay_two() -> None:
    assert canonical_key(KEY.encode()) != canonical_key(_pem(2).encode())


def test_a_key_pasted_in_four_layouts_is_one_finding_with_four_locations(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.change("2025-01-01T00:00:00+00:00", _layouts(KEY))
    _, report = scan(repo.path, tmp_path)
    keys = [f for f in report["findings"] if "private-key-pkcs8" in f["rules"]]
    assert len(keys) == 1, [f["locations"] for f in keys]
    assert keys[0]["fingerprint"] == fingerprint(canonical_key(KEY.encode()).decode())
    assert sorted(loc["path"] for loc in keys[0]["locations"]) == sorted(_layouts(KEY))


def test_a_rescan_from_the_cache_gives_the_same_single_finding(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.change("2025-01-01T00:00:00+00:00", _layouts(KEY))
    _, cold = scan(repo.path, tmp_path)
    repo.change("2025-02-01T00:00:00+00:00", {"README.md": "hello\n"})
    _, warm = scan(repo.path, tmp_path)
    assert [f["fingerprint"] for f in warm["findings"]] == [
        f["fingerprint"] for f in cold["findings"]
    ]
    assert warm["findings"][0]["locations"] == cold["findings"][0]["locations"]


def test_a_service_account_file_and_its_key_are_one_finding_named_by_the_provider(
    tmp_path: Path,
) -> None:
    """A GCP service account file is reported for the key it holds (not its key id), so the
    file and the same key committed as a PEM are one finding, titled by the provider's rule,
    in either member order."""
    account = {
        "type": "service_account",
        "project_id": "demo-1",
        "private_key_id": "c449e0d061b8b7eedc1af559813f802652a7c900",
        "private_key": KEY + "\n",
        "client_email": "deploy@demo-1.iam.gserviceaccount.com",
    }
    reordered = dict(reversed(list(account.items())))
    repo = GitRepo(tmp_path / "repo")
    repo.change(
        "2025-01-01T00:00:00+00:00",
        {
            "ci/service-account.json": json.dumps(account, indent=2) + "\n",
            "ops/other-order.json": json.dumps(reordered) + "\n",
            "deploy/key.pem": KEY + "\n",
        },
    )
    _, report = scan(repo.path, tmp_path)
    assert len(report["findings"]) == 1, [(f["rules"], f["locations"]) for f in report["findings"]]
    (found,) = report["findings"]
    assert found["fingerprint"] == fingerprint(canonical_key(KEY.encode()).decode())
    assert found["title"] == "Google Cloud service account key (JSON)"
    assert set(found["rules"]) == {
        "gcp-service-account-key",
        "gcp-service-account-key-reversed",
        "private-key-pkcs8",
    }
    assert {loc["path"] for loc in found["locations"]} == {
        "ci/service-account.json",
        "ops/other-order.json",
        "deploy/key.pem",
    }
