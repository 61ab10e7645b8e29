from journal_pipeline.alerts.channels import channels_from_environment, send
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
