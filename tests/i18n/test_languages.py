"""The reader's language: their choice, then the browser's, then the organization's; formats; alerts; API."""

import io
import zipfile
import zlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation

from acorn_portal.formatting import local_date
from acorn_portal.models_people import Person
from acorn_portal.money import Money
from acorn_portal.pdf_fonts import cjk_font
from refunds.services import packets
from refunds.services.alerts.dispatch import deliver_due
from refunds.services.alerts.reminders import plan_reminders
from tests.conftest import make_member
from tests.refunds.alerting import NOW, TODAY_LA, case, rule
from tests.refunds.cases import make_chargeback

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.5"}


def choose(user, language):
    Person.objects.update_or_create(user=user, defaults={"language": language})


def test_a_browser_asking_for_zh_cn_gets_the_sign_in_page_in_chinese(client, db):
    response = client.get("/admin/login/", **ZH)
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans"' in response.content.decode()
    assert "登录" in response.content.decode()  # Django's own admin labels, from its catalogue
    assert "语言" in response.content.decode()  # our switcher


def test_an_english_browser_gets_english(client, db):
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "en"
    assert "Language" in response.content.decode()


def test_the_persons_choice_wins_over_the_browser(client, ops):
    choose(ops, "en")
    client.force_login(ops)
    response = client.get("/dashboard/", **ZH)
    assert response["Content-Language"] == "en"
    assert "Open amount at risk" in response.content.decode()


def test_the_organization_default_applies_when_the_browser_asks_for_nothing_we_have(client, org, ops):
    org.default_language = "zh-hans"
    org.save()
    client.force_login(ops)
    response = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "未结风险金额" in response.content.decode()


def test_the_switcher_keeps_the_choice_on_the_profile(client, ops):
    client.force_login(ops)
    response = client.post("/language/", {"language": "zh-hans", "next": "/dashboard/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert Person.objects.get(user=ops).language == "zh-hans"
    client.cookies.clear()  # the profile alone carries it
    client.force_login(ops)
    assert client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "zh-hans"
    client.post("/language/", {"language": "", "next": "/dashboard/"})  # back to "as my browser asks"
    assert Person.objects.get(user=ops).language == ""


def test_the_switcher_before_signing_in_uses_a_cookie_and_refuses_other_sites(client, db):
    response = client.post("/language/", {"language": "zh-hans", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "zh-hans"


def test_dates_and_money_follow_the_language_and_keep_the_currencys_decimals():
    with translation.override("zh-hans"):
        assert local_date(date(2026, 12, 7)) == "2026年12月7日"
        assert Money(Decimal("1234.5"), "USD").localized() == "1,234.50 USD"
        assert Money(Decimal("1234.5"), "JPY").localized() == "1,235 JPY"
    with translation.override("en"):
        assert local_date(date(2026, 12, 7)) == "2026-12-07"
        assert Money(Decimal("1234.5"), "EUR").localized() == "1,234.50 EUR"


def test_the_case_page_shows_checks_and_states_in_chinese_and_amazons_data_as_received(client, account, ops):
    from refunds.services.matching import evaluate_chargebacks

    cb = make_chargeback(
        account, amazon_id="SC-7001", state="in_review", description="Amazon received 10 units fewer than invoiced."
    )
    evaluate_chargebacks([cb.pk])
    client.force_login(ops)
    page = client.get(f"/admin/refunds/chargeback/{cb.pk}/change/", **ZH).content.decode()
    assert "审核中" in page and "短缺索赔" in page  # our state and family labels
    assert "该索赔所针对的发票尚未入库。" in page  # a check sentence, translated from its stored message
    assert "Amazon received 10 units fewer than invoiced." in page  # Amazon's description as received
    assert "发给亚马逊的内容一律使用英文" in page  # said next to the packet button
    cb.assessment.refresh_from_db()
    assert "The invoice the claim is against is not on file yet." in [c["text"] for c in cb.assessment.checks]


def test_the_api_keeps_codes_and_field_names_and_translates_problem_titles(client, db):
    response = client.get("/api/v1/chargebacks/", **ZH)
    body = response.json()
    assert response.status_code == 401
    assert body["title"] == "未认证" and body["type"].endswith("/not-authenticated") and body["status"] == 401
    assert set(body) >= {"type", "title", "status", "detail", "instance", "request_id"}
    assert body["detail"] == "请以 'Authorization: Bearer <key>' 的形式发送 API 密钥。"  # the detail follows too
    english = client.get("/api/v1/chargebacks/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["title"] == "Not authenticated"
    assert english["detail"] == "Send an API key as 'Authorization: Bearer <key>'."
    assert english["type"] == body["type"]  # the machine code does not change with the language


def test_reminders_go_out_in_each_recipients_language(org, account, ops, finance):
    choose(finance, "zh-hans")
    case(account, target_on=TODAY_LA + timedelta(days=3), assignee=ops)
    rule(org, users=[finance])

    plan_reminders(now=NOW)
    deliver_due(now=NOW)

    by_address = {message.to[0]: message for message in mail.outbox}
    assert "目标日" in by_address["fred@example.com"].subject
    assert "亚马逊截止日" in by_address["fred@example.com"].body
    assert by_address["olivia@example.com"].subject.startswith("[ACORN] Target in 3 days")


def test_a_chat_channel_gets_the_organizations_language(org, account, ops):
    org.default_language = "zh-hans"
    org.save()
    person = make_member(org, "zoe", "operations")
    case(account, target_on=TODAY_LA + timedelta(days=3), assignee=person)
    rule(org)
    plan_reminders(now=NOW)
    deliver_due(now=NOW)
    assert "目标日" in mail.outbox[0].subject  # zoe chose nothing: her organization's default


def packet_pdf(chargeback, actor) -> bytes:
    packet = packets.build_packet(chargeback=chargeback, actor=actor)
    with packet.file.open("rb") as stored, zipfile.ZipFile(io.BytesIO(stored.read())) as archive:
        name = next(n for n in archive.namelist() if n.endswith("_SUMMARY.pdf"))
        return archive.read(name)


def streams(pdf: bytes) -> bytes:
    """Every stream of the PDF, inflated where it is compressed."""
    found = []
    for chunk in pdf.split(b"stream")[1:]:
        body = chunk.split(b"endstream")[0].strip(b"\r\n")
        try:
            found.append(zlib.decompress(body))
        except zlib.error:
            found.append(body)
    return b"\n".join(found)


@pytest.mark.skipif(cjk_font() is None, reason="no CJK font installed (apt-get install fonts-wqy-microhei)")
def test_the_packet_pdf_embeds_a_cjk_font_for_chinese_names(org, ops):
    from acorn_portal.models import VendorAccount

    account = VendorAccount.objects.create(
        organization=org, name="深圳橡果科技 US", vendor_codes="SZXG", marketplace="US"
    )
    cb = make_chargeback(account, amazon_id="SC-8001", state="in_review")
    with translation.override("zh-hans"):  # whoever builds it, the packet is English
        pdf = packet_pdf(cb, ops)
    assert b"/FontFile2" in pdf  # a TrueType font embedded, not a core font
    assert b"WenQuanYi" in pdf or b"Noto" in pdf
    cmap = streams(pdf).upper()
    assert b"6DF1" in cmap and b"5733" in cmap  # 深 and 圳 mapped in the embedded font


def test_without_a_cjk_font_the_packet_is_still_written(org, ops, monkeypatch):
    from acorn_portal import pdf_fonts
    from acorn_portal.models import VendorAccount

    monkeypatch.setattr(pdf_fonts, "cjk_font", lambda: None)
    account = VendorAccount.objects.create(
        organization=org, name="深圳橡果科技 US", vendor_codes="SZXG", marketplace="US"
    )
    cb = make_chargeback(account, amazon_id="SC-8002", state="in_review")
    pdf = packet_pdf(cb, ops)
    assert pdf.startswith(b"%PDF") and b"Helvetica" in pdf


def test_the_packet_summary_is_english_whoever_builds_it(org, account, ops, monkeypatch):
    captured = []
    original = packets.packet_sections

    def sections(*args):
        result = original(*args)
        captured.extend(row for _heading, rows in result for row in rows)
        return result

    monkeypatch.setattr(packets, "packet_sections", sections)
    cb = make_chargeback(account, amazon_id="SC-8003", state="in_review")
    with translation.override("zh-hans"):
        packet = packets.build_packet(chargeback=cb, actor=ops)
    assert packet.filename == "SC-8003_dispute_round1.zip"
    assert ("Deduction", "Shortage claim SC-8003") in captured
