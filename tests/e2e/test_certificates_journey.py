"""Certificates end to end: the office issues the program's certificates and watches the progress bar
finish (a real Celery worker makes them); the lawyer downloads theirs; the QR code on it, decoded,
opens the public page saying "valid"; after revocation it says "revoked"."""

import subprocess

import pytest

from certificates.models import Certificate

from .conftest import SCREENSHOTS, screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_the_office_issues_certificates_and_anyone_verifies_one(browser, page, demo, worker, live_server, tmp_path):
    # The demo comes with its certificates; take back the last twenty (and the demo lawyer's) to issue again.
    mine = Certificate.objects.get(participant__user__email="lawyer@demo.test")
    again = [*Certificate.objects.valid().exclude(pk=mine.pk).order_by("-number")[:20], mine]
    for certificate in again:
        certificate.delete()

    sign_in(page, "admin@demo.test")
    page.goto("/manage/programs/fipr-2025/certificates/")
    page.locator('form[action$="/certificates/issue/"] button').click()
    page.wait_for_selector('#issue-job[data-finished="yes"]', timeout=90_000)
    assert page.locator("#issue-job").get_attribute("data-done") == "21"
    screenshot(page, "certificates-issued-zh")

    # The lawyer downloads theirs from My program.
    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    sign_in(phone, "lawyer@demo.test")
    phone.goto("/my/program/")
    with phone.expect_download() as download_info:
        phone.locator("#certificates").get_by_role("link", name="下载（PDF）").click()
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    # Its QR code, decoded, opens the public page: valid.
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    (SCREENSHOTS / "certificate-zh.png").write_bytes((tmp_path / "page.png").read_bytes())
    url = subprocess.run(
        ["zbarimg", "--raw", "-q", str(tmp_path / "page.png")], capture_output=True, text=True
    ).stdout.strip()
    assert "/certificates/verify/" in url
    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(url)
    assert public.locator('[data-verdict="valid"]').is_visible()
    assert "李晓东" in public.locator("main").inner_text()
    screenshot(public, "certificate-verified-zh")

    # The office revokes it (the reason is asked in a prompt); the same page now says so.
    page.on("dialog", lambda dialog: dialog.accept("颁发有误，已重新核对。"))
    serial = Certificate.objects.get(participant__user__email="lawyer@demo.test").serial
    page.goto(f"/manage/programs/fipr-2025/certificates/?q={serial}")
    page.locator(f'tr[data-serial="{serial}"]').get_by_role("button", name="撤销").click()
    page.wait_for_selector(f'tr[data-serial="{serial}"].table-danger')
    public.goto(url)
    assert public.locator('[data-verdict="revoked"]').is_visible()
    screenshot(public, "certificate-revoked-zh")
    phone.context.close()
    public.context.close()
