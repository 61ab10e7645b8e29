from datetime import date

import requests

from journal_sandbox.launch import SandboxOptions, start_sandboxes


def test_both_sandboxes_start_with_their_knobs_and_reset_starts_clean(tmp_path):
    options = SandboxOptions(
        iseller_port=0,
        jurnal_port=0,
        state_dir=tmp_path / "state",
        orders_per_day=5,
        start_date=date(2026, 11, 1),
        jurnal_faults="companies/active:error=1,status=502",
    )
    iseller, jurnal = start_sandboxes(options)
    try:
        token = requests.post(
            f"{iseller.url}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "sandbox-iseller-client",
                "client_secret": "sandbox-iseller-secret",
            },
            timeout=10,
        )
        assert token.status_code == 200 and token.json()["resource_url"] == iseller.url
        answer = requests.get(
            f"{jurnal.url}/public/jurnal/api/v1/companies/active",
            headers={"apikey": "sandbox-jurnal-apikey"},
            timeout=10,
        )
        assert answer.status_code == 502  # the fault spec reached the Jurnal emulator
    finally:
        iseller.stop()
        jurnal.stop()
    assert (tmp_path / "state" / "iseller").exists()
    marker = tmp_path / "state" / "marker"
    marker.write_text("old state")
    iseller, jurnal = start_sandboxes(
        SandboxOptions(iseller_port=0, jurnal_port=0, state_dir=tmp_path / "state", reset=True)
    )
    iseller.stop()
    jurnal.stop()
    assert not marker.exists()
