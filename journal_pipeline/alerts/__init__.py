"""Alerts to people: a failed run or a failed/held record, sent to every configured channel.

Channels come from the environment (`journal_pipeline.environment`, ``ALERT_*``): a webhook
that takes Slack's incoming-webhook JSON (Slack, Google Chat, any HTTP endpoint) and e-mail
through SMTP. An alert names the merchant, the day, the run or record, the reason and a link
to the run in the Dagster UI; it never carries a secret or customer data.
"""
