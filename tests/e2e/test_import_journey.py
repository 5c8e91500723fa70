"""An administrator imports a GBK CSV and an XLSX of provincial lists, sees the bad rows, imports the rest;
a specialty outside the known list is kept and later merged; a check made stale by another import is
checked again before anything is written."""

import io

import pytest
from openpyxl import Workbook

from participants.models import Participant, SpecialtyMerge

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e

HEADER = [
    "姓名",
    "姓名拼音",
    "性别",
    "执业证号",
    "律师事务所",
    "省份",
    "城市",
    "手机",
    "邮箱",
    "执业年限",
    "专业领域",
    "外语",
]


def test_administrator_imports_provincial_lists(page, demo, tmp_path):
    rows = [
        ["陈一", "Chen Yi", "男", "１４４０１２０２００１２３４５６７", "广东某律师事务所", "广东", "广州", "13800000001", "chen.yi@gd.example.cn", "5", "专利、知识产权海关保护", ""],
        ["黄二", "Huang Er", "女", "44012020012345", "广东某律师事务所", "广东", "佛山", "13800000002", "huang.er@gd.example.cn", "", "", ""],
        ["林三", "Lin San", "女", "14401202001234569", "广东某律师事务所", "粤", "深圳", "", "lin.san@gd.example.cn", "", "商标", ""],
    ]  # fmt: skip
    gbk = tmp_path / "广东省名单.csv"
    gbk.write_bytes(("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n").encode("gbk"))

    sign_in(page, "admin@demo.test")
    page.goto("/manage/programs/fipr-2025/admissions/")
    page.get_by_role("link", name="导入省级名单").click()
    page.locator("input[type=file]").set_input_files(str(gbk))
    page.get_by_role("button", name="检查文件").click()
    page.wait_for_url("**/manage/imports/*/")
    problems = page.locator("table").last.inner_text()
    assert "3" in problems and "执业证号" in problems  # row 3: the licence is too short
    assert "4" in problems and "省份" in problems  # row 4: 粤 is not a province name we accept
    assert "知识产权海关保护" in page.locator(".alert-info").first.inner_text()  # kept, noted, not a problem
    screenshot(page, "import-problems-zh")
    page.get_by_role("button", name="仅导入有效行").click()
    page.wait_for_selector(".alert-success")
    chen = Participant.objects.get(license_number="14401202001234567")
    assert chen.specialties == ["patents", "知识产权海关保护"]
    assert not Participant.objects.filter(name_zh="黄二").exists()

    # A list checked, then made stale by another list imported in a second tab before its button is pressed.
    zhejiang = _xlsx(tmp_path / "zhejiang.xlsx", [
        ["周四", "Zhou Si", "男", "33101202001234570", "浙江某律师事务所", "Zhejiang", "杭州", "", "zhou.si@zj.example.cn", "3", "", ""],
        ["吴五", "Wu Wu", "女", "33101202001234571", "浙江某律师事务所", "浙江", "宁波", "", "wu.wu@zj.example.cn", "", "", ""],
    ])  # fmt: skip
    page.goto("/manage/programs/fipr-2025/import/")
    page.locator("input[type=file]").set_input_files(str(zhejiang))
    page.get_by_role("button", name="检查文件").click()
    page.wait_for_url("**/manage/imports/*/")
    other_tab = page.context.new_page()
    other = _xlsx(tmp_path / "other.xlsx", [
        ["郑六", "", "男", "33101202001234599", "浙江另一律师事务所", "浙江", "温州", "", "wu.wu@zj.example.cn", "", "", ""],
    ])  # fmt: skip
    other_tab.goto("/manage/programs/fipr-2025/import/")
    other_tab.locator("input[type=file]").set_input_files(str(other))
    other_tab.get_by_role("button", name="检查文件").click()
    other_tab.get_by_role("button", name="导入1名律师").click()
    other_tab.wait_for_selector(".alert-success")
    other_tab.close()

    page.get_by_role("button", name="导入2名律师").click()  # the page as it was served before the other list
    warning = page.wait_for_selector(".alert-warning")
    assert "未写入任何数据" in warning.inner_text()
    assert not Participant.objects.filter(license_number="33101202001234570").exists()
    assert "已被其他账号使用" in page.locator("table").last.inner_text()
    screenshot(page, "import-checked-again-zh")
    page.get_by_role("button", name="仅导入有效行").click()
    page.wait_for_selector(".alert-success")
    assert "跳过1行" in page.locator(".alert-success").inner_text().replace(" ", "")
    skipped = page.locator("table").last.inner_text()
    assert "3" in skipped and "已被其他账号使用" in skipped  # row 3, named with its reason
    screenshot(page, "import-done-zh")
    zhou = Participant.objects.get(license_number="33101202001234570")
    assert zhou.province.code == "33" and zhou.admissions.get().state == "admitted"
    assert not Participant.objects.filter(license_number="33101202001234571").exists()

    # The specialty outside the list, merged into the known one it means.
    page.get_by_test_id("manage-menu").click()
    page.get_by_role("link", name="在用的专业领域").click()
    entry = page.locator("li", has_text="知识产权海关保护")
    assert "1名律师" in entry.inner_text()
    entry.get_by_label("将“知识产权海关保护”合并到").select_option(label="海关与边境措施")
    page.once("dialog", lambda dialog: dialog.accept())
    entry.get_by_role("button", name="合并").click()
    page.wait_for_selector(".alert-success")
    screenshot(page, "import-specialties-zh")
    chen.refresh_from_db()
    assert chen.specialties == ["patents", "customs"]
    assert SpecialtyMerge.objects.get().merged_by.email == "admin@demo.test"


def _xlsx(path, rows):
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path
