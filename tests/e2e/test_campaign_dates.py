"""The visit form offers only campaigns running on the visit's date, and says so when none runs.

The demo campaigns run through 2026; the phone's clock is moved past their end (the server's
stays), as on a phone still in use after an admin forgot to set up the next year's campaign.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.test_field_app import idb, signed_in_and_synced, wait_until

pytestmark = pytest.mark.browser


def test_no_running_campaign_is_said_plainly(phones: Callable[..., BrowserContext]) -> None:
    page = phones().new_page()
    signed_in_and_synced(page)
    wait_until(lambda: len(idb(page, "config")) > 0, what="the campaigns pull")

    page.clock.set_fixed_time("2027-06-15T10:00:00+08:00")
    page.goto("/visits/new")
    expect(page.get_by_test_id("visit-form")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("form-missing")).to_contain_text(
        "当前没有进行中的走访活动，请联系管理员设置"
    )
    # No campaign of 2026 is chosen for a visit of 2027, nor offered.
    expect(page.get_by_test_id("visit-campaign").locator("input")).to_have_value("")
    page.get_by_test_id("visit-campaign").click()
    expect(page.locator(".van-action-sheet__item")).to_have_count(0)
