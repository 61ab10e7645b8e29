from journal_pipeline.alerts.channels import (
    channels_from_environment,
    read_channels,
    redacted,
    send,
)
from journal_pipeline.alerts.message import Alert, run_url
from journal_pipeline_tests.alerts.receivers import slack_api, smtp_server, webhook_receiver

SECRETS = ("s3cret-pass", "budi@example.com", "0812-3456-7890")


def _alert():
    return Alert(
        merchant="Toko Demo",
        subject="1 record failed",
        day="2026-11-20",
        lines=[
            "sales invoice #101 (outlet JKT): Jurnal refused ISL/JKT-000101: customer "
            "budi@example.com, phone 0812-3456-7890; password=s3cret-pass. Fix: the date."
        ],
        link=run_url("abc-123", "http://dagster.local:3000/"),
    )


def test_webhook_and_email_receive_the_alert_without_secrets_or_customer_data():
    with webhook_receiver() as (url, posted), smtp_server() as (port, mails):
        environ = {
            "ALERT_WEBHOOK_URL": url,
            "ALERT_SMTP_HOST": "127.0.0.1",
            "ALERT_SMTP_PORT": str(port),
            "ALERT_EMAIL_FROM": "pipeline@toko.test",
            "ALERT_EMAIL_TO": "finance@toko.test, owner@toko.test",
        }
        channels = channels_from_environment(environ)
        assert [c.name for c in channels] == ["webhook", "email"]
        assert send(_alert(), channels) == []

    (body,) = posted
    (mail,) = mails
    for text in (body["text"], mail["Subject"], mail.get_payload()):
        assert not any(secret in text for secret in SECRETS), text
    for text in (body["text"], mail.get_payload()):
        assert "[Toko Demo] 2026-11-20: 1 record failed" in text
        assert "#101 (outlet JKT)" in text and "ISL/JKT-000101" in text and "Fix: the date" in text
        assert "http://dagster.local:3000/runs/abc-123" in text
    assert mail["To"] == "finance@toko.test, owner@toko.test"


def test_no_channel_without_its_variables_and_an_unreachable_one_is_named():
    assert channels_from_environment({}) == []
    with webhook_receiver() as (url, _):
        dead = url  # the receiver is gone once the block ends
    problems = send(_alert(), channels_from_environment({"ALERT_WEBHOOK_URL": dead}))
    assert len(problems) == 1 and problems[0].startswith("webhook: ")


def test_slack_receives_the_alert_in_its_channel_without_secrets_or_customer_data():
    token = "xoxb-1234-test-token"
    with slack_api() as (api_url, calls):
        environ = {
            "ALERT_SLACK_TOKEN": token,
            "ALERT_SLACK_CHANNEL": "#finance-alerts",
            "ALERT_SLACK_API_URL": api_url,
        }
        channels = channels_from_environment(environ)
        assert [c.name for c in channels] == ["slack"]
        assert token not in repr(channels)
        assert send(_alert(), channels) == []

    (call,) = calls
    assert call["method"] == "chat.postMessage"
    assert call["authorization"] == f"Bearer {token}"  # the bot's token, in the header only
    body = call["body"]
    assert body["channel"] == "#finance-alerts"
    text = body["text"]
    assert not any(secret in text for secret in (*SECRETS, token)), text
    assert "[Toko Demo] 2026-11-20: 1 record failed" in text
    assert "#101 (outlet JKT)" in text and "Fix: the date" in text
    assert "http://dagster.local:3000/runs/abc-123" in text


def test_slack_needs_both_token_and_channel_and_a_refusal_is_named():
    assert channels_from_environment({"ALERT_SLACK_TOKEN": "xoxb-1"}) == []
    assert channels_from_environment({"ALERT_SLACK_CHANNEL": "#finance"}) == []
    with slack_api({"ok": False, "error": "channel_not_found"}) as (api_url, _):
        environ = {
            "ALERT_SLACK_TOKEN": "xoxb-1234-test-token",
            "ALERT_SLACK_CHANNEL": "#nowhere",
            "ALERT_SLACK_API_URL": api_url.rstrip("/"),  # with or without the trailing slash
        }
        problems = send(_alert(), channels_from_environment(environ))
    assert len(problems) == 1 and problems[0].startswith("slack: SlackApiError")
    assert "channel_not_found" in problems[0] and "xoxb-1234" not in problems[0]


EMAIL = {"ALERT_SMTP_HOST": "smtp.toko.test", "ALERT_EMAIL_TO": "finance@toko.test"}


def test_the_smtp_port_is_read_and_a_malformed_one_leaves_out_email_only():
    def email(port: str | None):
        given = EMAIL if port is None else {**EMAIL, "ALERT_SMTP_PORT": port}
        channels, problems = read_channels({**given, "ALERT_WEBHOOK_URL": "https://hook.test/x"})
        return [(c.name, getattr(c, "port", None)) for c in channels], problems

    assert email(None) == ([("webhook", None), ("email", 587)], [])
    assert email(" 465 ") == ([("webhook", None), ("email", 465)], [])
    for bad in ("smtps", "0", "70000", "-25", "5 87"):
        channels, problems = email(bad)
        assert channels == [("webhook", None)], bad
        (problem,) = problems
        assert problem.startswith(f"ALERT_SMTP_PORT is {bad!r}, not a port number"), problem
        assert "Set ALERT_SMTP_PORT to" in problem


def test_no_credential_of_a_channel_is_in_its_repr():
    environ = {
        **EMAIL,
        "ALERT_SMTP_USER": "pipeline",
        "ALERT_SMTP_PASSWORD": "SMTP-s3cret-pass",
        "ALERT_WEBHOOK_URL": "https://hooks.slack.com/services/T000/B000/WEBHOOKSECRET42",
    }
    shown = repr(channels_from_environment(environ))
    assert "EmailChannel(host='smtp.toko.test', port=587" in shown and "pipeline" in shown
    assert "SMTP-s3cret-pass" not in shown and "WEBHOOKSECRET42" not in shown


def test_a_webhook_that_refuses_or_is_gone_is_named_by_host_and_status_only():
    secret = "WEBHOOKSECRET42xyz"
    with webhook_receiver(status=404) as (url, posted):
        hook = f"{url}/services/T000/B000/{secret}"
        problems = send(_alert(), channels_from_environment({"ALERT_WEBHOOK_URL": hook}))
    assert len(posted) == 1
    assert problems == ["webhook: DeliveryError: HTTP 404 from 127.0.0.1"]
    # the receiver is gone: requests would name the whole URL in its ConnectionError
    (problem,) = send(_alert(), channels_from_environment({"ALERT_WEBHOOK_URL": hook}))
    assert problem == "webhook: DeliveryError: ConnectionError reaching 127.0.0.1"
    assert secret not in problem


def test_each_configured_credential_is_masked_wherever_it_appears():
    hook = "https://chat.googleapis.com/v1/spaces/AAA/messages?key=K3Y-1234&token=T0K-5678"
    channels = channels_from_environment(
        {
            **EMAIL,
            "ALERT_SMTP_PASSWORD": "SMTP-s3cret-pass",
            "ALERT_WEBHOOK_URL": hook,
            "ALERT_SLACK_TOKEN": "xoxb-1234-test-token",
            "ALERT_SLACK_CHANNEL": "#finance",
        }
    )
    webhook, slack, email = channels
    said = f"refused {hook}; bad /v1/spaces/AAA/messages?key=K3Y-1234&token=T0K-5678 and 535 "
    assert redacted(said, webhook) == "refused [hidden]; bad [hidden]?[hidden] and 535 "
    assert redacted("535 auth SMTP-s3cret-pass refused", email) == "535 auth [hidden] refused"
    assert redacted("invalid_auth xoxb-1234-test-token", slack) == "invalid_auth [hidden]"
    assert redacted("535 auth refused", email) == "535 auth refused"  # nothing else touched
