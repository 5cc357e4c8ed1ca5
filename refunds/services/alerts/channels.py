"""How an alert reaches people: email, or a chat webhook in the format each chat product accepts.

A message is a small dict rendered when the alert was claimed: ``{"title", "lines", "link"}``.

Formats (as each product documents its incoming webhooks):
- Slack incoming webhook: ``{"text": fallback, "blocks": [header, section(mrkdwn), context(link)]}``.
- Microsoft Teams: we post an **Adaptive Card** (version 1.4) wrapped in a ``message`` with one
  attachment, the format the Teams "Post to a channel when a webhook request is received" workflow
  accepts. We chose it over the legacy Office 365 connector MessageCard because Microsoft is retiring
  those connectors; a Workflows URL is what a Teams admin creates today.
- DingTalk custom robot: ``{"msgtype": "markdown", "markdown": {"title", "text"}}``. With a signing
  secret, ``timestamp`` (ms) and ``sign`` = urlencoded base64(HMAC-SHA256(key=secret,
  msg="{timestamp}\\n{secret}")) go in the query string. DingTalk answers 200 with ``errcode`` != 0
  on errors, so the body is checked.
- Feishu/Lark custom bot: ``{"msg_type": "interactive", "card": {...}}``; with a secret, the body also
  carries ``timestamp`` (seconds) and ``sign`` = base64(HMAC-SHA256(key="{timestamp}\\n{secret}",
  msg="")). Feishu answers 200 with ``code`` != 0 on errors.

Every request goes through `acorn_portal.outbound.OutboundSession` (no internal targets, no
redirects, timeouts), because the URLs are typed by users.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from urllib.parse import quote_plus

from django.conf import settings
from django.core.mail import EmailMessage

from refunds.models.alerts import AlertLog, ChannelKind


class ChannelError(Exception):
    """The channel refused or failed the message; the text says why (status, the product's error)."""


def plain_text(message: dict) -> str:
    parts = [message.get("title", ""), "", *message.get("lines", [])]
    if message.get("link"):
        parts += ["", *([message["link_text"]] if message.get("link_text") else []), message["link"]]
    return "\n".join(parts).strip() + "\n"


def link_text(message: dict) -> str:
    """The link's words, written in the reader's language when the alert was claimed."""
    return message.get("link_text") or "Open in ACORN"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(message: dict) -> dict:
    title, lines, link = message.get("title", ""), message.get("lines", []), message.get("link", "")
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "\n".join(_slack_escape(line) for line in lines)[:3000]},
        },
    ]
    if link:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"<{link}|{_slack_escape(link_text(message))}>"}],
            }
        )
    return {"text": plain_text(message)[:3000], "blocks": blocks}


def teams_payload(message: dict) -> dict:
    body = [
        {"type": "TextBlock", "text": message.get("title", ""), "weight": "Bolder", "size": "Medium", "wrap": True},
        *({"type": "TextBlock", "text": line, "wrap": True, "spacing": "Small"} for line in message.get("lines", [])),
    ]
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if message.get("link"):
        card["actions"] = [{"type": "Action.OpenUrl", "title": link_text(message), "url": message["link"]}]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def _markdown(message: dict) -> str:
    text = f"### {message.get('title', '')}\n\n" + "\n\n".join(f"- {line}" for line in message.get("lines", []))
    if message.get("link"):
        text += f"\n\n[{link_text(message)}]({message['link']})"
    return text


def dingtalk_payload(message: dict) -> dict:
    return {"msgtype": "markdown", "markdown": {"title": message.get("title", "")[:100], "text": _markdown(message)}}


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    sign = base64.b64encode(hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()).decode()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={quote_plus(sign)}"


def feishu_payload(message: dict) -> dict:
    card = {
        "config": {"wide_screen_mode": True},
        "header": {"title": {"tag": "plain_text", "content": message.get("title", "")}, "template": "orange"},
        "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": _markdown(message).split("\n\n", 1)[-1]}}],
    }
    return {"msg_type": "interactive", "card": card}


def feishu_sign(secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def chat_request(kind: str, url: str, secret: str, message: dict, *, now: datetime) -> tuple[str, dict]:
    """The URL and JSON body to POST for one message to one chat channel."""
    if kind == ChannelKind.SLACK:
        return url, slack_payload(message)
    if kind == ChannelKind.TEAMS:
        return url, teams_payload(message)
    if kind == ChannelKind.DINGTALK:
        signed = dingtalk_signed_url(url, secret, int(now.timestamp() * 1000)) if secret else url
        return signed, dingtalk_payload(message)
    if kind == ChannelKind.FEISHU:
        payload = feishu_payload(message)
        if secret:
            timestamp = int(now.timestamp())
            payload = {"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp), **payload}
        return url, payload
    raise ChannelError(f"Unknown channel kind {kind!r}.")


def _check_answer(kind: str, response) -> None:
    if not 200 <= response.status_code < 300:
        raise ChannelError(f"HTTP {response.status_code}: {response.text[:300]}")
    if kind not in (ChannelKind.DINGTALK, ChannelKind.FEISHU):
        return
    try:
        answer = response.json()
    except ValueError:
        return
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    if code not in (0, None):
        error = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
        raise ChannelError(f"{ChannelKind(kind).label} refused the message: code {code} {error}".strip())


def send(row: AlertLog, *, session, now: datetime, mail_connection=None) -> None:
    """Send one claimed alert; raises (ChannelError, requests errors, OutboundRefused, SMTP errors) on failure."""
    if row.channel_id is None:
        if not row.address:
            raise ChannelError("No email address and no channel.")
        message = EmailMessage(
            subject=row.subject, body=plain_text(row.message), to=[row.address], connection=mail_connection
        )
        message.send(fail_silently=False)
        return
    channel = row.channel
    if not channel.enabled:
        raise ChannelError(f"The channel {channel} is disabled.")
    url, payload = chat_request(channel.kind, channel.url, channel.secret, row.message, now=now)
    response = session.post(url, json=payload)
    try:
        _check_answer(channel.kind, response)
    finally:
        response.close()


def absolute_link(path: str) -> str:
    return f"{getattr(settings, 'PUBLIC_URL', '')}{path}"
