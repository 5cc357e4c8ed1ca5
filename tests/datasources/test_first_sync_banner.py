"""While an organization's first sync has not finished, the start page and the case list say so."""

import pytest
from django.urls import reverse

from acorn_portal import clock
from datasources.models import DataSource, SyncRun, SyncStatus

pytestmark = pytest.mark.django_db

PAGES = (reverse("dashboard:index"), reverse("admin:refunds_chargeback_changelist"))


def source_for(account, name="Vendor Central"):
    return DataSource.objects.create(account=account, name=name, kind="data_feed", settings={"base_url": ""})


def banner(client, url) -> str:
    html = client.get(url).content.decode()
    start = html.find('id="first-sync"')
    return "" if start < 0 else html[start : html.index("</span>", start)]


@pytest.mark.parametrize("url", PAGES)
def test_no_data_yet_before_the_first_sync_runs(client, account, ops, url):
    source_for(account)
    client.force_login(ops)
    assert "No data yet" in banner(client, url)


@pytest.mark.parametrize("url", PAGES)
def test_the_first_sync_shows_its_progress_then_the_notice_goes(client, account, ops, url):
    source = source_for(account)
    run = SyncRun.objects.create(
        data_source=source,
        account=account,
        started_at=clock.now(),
        pages=12,
        counts={"chargebacks": {"created": 4000, "updated": 150, "unchanged": 50, "rejected": 3}},
    )
    client.force_login(ops)
    assert "First sync in progress: 12 pages, 4,200 rows" in banner(client, url)

    run.status = SyncStatus.SUCCEEDED
    run.finished_at = clock.now()
    run.save()
    DataSource.objects.filter(pk=source.pk).update(last_success_at=clock.now())
    assert banner(client, url) == ""


def test_no_notice_without_data_sources_or_for_disabled_ones(client, account, ops):
    client.force_login(ops)
    assert banner(client, PAGES[0]) == ""
    DataSource.objects.filter(pk=source_for(account).pk).update(enabled=False)
    assert banner(client, PAGES[0]) == ""


def test_another_organizations_first_sync_is_not_ours(client, account, other_account, ops, outsider):
    source_for(other_account)
    client.force_login(ops)
    for url in PAGES:
        assert banner(client, url) == ""
    client.force_login(outsider)
    assert "No data yet" in banner(client, PAGES[0])


def test_the_notice_reads_in_chinese(client, account, ops):
    source_for(account)
    client.force_login(ops)
    html = client.get(PAGES[0], HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5").content.decode()
    assert "尚无数据" in html
