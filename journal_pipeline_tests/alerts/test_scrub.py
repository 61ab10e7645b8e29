"""What an alert may not carry: customer contact details and credentials, however written."""

from journal_pipeline.alerts.message import Alert, scrub


def test_credentials_named_by_their_key_are_hidden():
    assert scrub("token=abc123 secret: s3cr3t") == "token=[hidden] secret: [hidden]"
    assert scrub("POST /oauth/token client_id=x&client_secret=s3cr3t&grant_type=y") == (
        "POST /oauth/token client_id=x&client_secret=[hidden]&grant_type=y"
    )
    assert scrub('{"access_token": "tok-1", "refresh_token": "tok-2"}') == (
        '{"access_token": [hidden], "refresh_token": [hidden]}'
    )
    assert scrub("apikey=k-1; api_key: k-2, X-Api-Key=k-3") == (
        "apikey=[hidden]; api_key: [hidden], X-Api-Key=[hidden]"
    )
    assert (
        scrub("STAGING password=pw1 passwd='pw 2'") == "STAGING password=[hidden] passwd=[hidden]"
    )


def test_authorization_headers_and_url_passwords_are_hidden():
    assert scrub("Authorization: Bearer eyJhbGciOi.x-y_z") == "Authorization: [hidden]"
    assert scrub('authorization=hmac username="id", signature="c2ln="') == (
        "authorization=[hidden]"
    )
    assert scrub("sent with Bearer abc.DEF-123_x~ and Basic dXNlcjpwdw==") == (
        "sent with Bearer [hidden] and Basic [hidden]"
    )
    assert scrub('hmac username="id", signature="c2lnbmF0dXJl=="') == (
        'hmac username="id", signature=[hidden]'
    )
    assert scrub("cannot reach postgresql+psycopg2://etl:pg-pass@db.local:5432/staging") == (
        "cannot reach postgresql+psycopg2://etl:[hidden]@db.local:5432/staging"
    )


def test_contact_details_are_hidden_and_the_rest_kept():
    line = "Order ISL/JKT-000101 (2026-11-20, Rp 55.000): budi@example.com, 0812-1111-2001"
    assert scrub(line) == (
        "Order ISL/JKT-000101 (2026-11-20, Rp 55.000): [e-mail hidden], [phone hidden]"
    )
    # words that only name a credential, without a value, stay
    assert scrub("the token expired; check the client secret") == (
        "the token expired; check the client secret"
    )


def test_an_alert_scrubs_its_title_and_every_line():
    alert = Alert(
        merchant="Toko",
        subject="run failed for budi@example.com",
        day="2026-11-20",
        lines=["GET https://x/api?access_token=t0k3n answered 500", "Bearer abc"],
    )
    assert "budi@example.com" not in alert.text
    assert "t0k3n" not in alert.text and "abc" not in alert.text
