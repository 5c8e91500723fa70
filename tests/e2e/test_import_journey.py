"""An administrator imports a GBK CSV and an XLSX of provincial lists, sees the bad rows, imports the rest."""

import io

import pytest
from openpyxl import Workbook

from participants.models import Participant

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
        ["陈一", "Chen Yi", "男", "１４４０１２０２００１２３４５６７", "广东某律师事务所", "广东", "广州", "13800000001", "chen.yi@gd.example.cn", "5", "专利", ""],
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
    screenshot(page, "import-problems-zh")
    page.get_by_role("button", name="仅导入有效行").click()
    page.wait_for_selector(".alert-success")
    assert Participant.objects.filter(license_number="14401202001234567").exists()
    assert not Participant.objects.filter(name_zh="黄二").exists()

    book = Workbook()
    book.active.append(HEADER)
    book.active.append(["周四", "Zhou Si", "男", "33101202001234570", "浙江某律师事务所", "Zhejiang", "杭州", "", "zhou.si@zj.example.cn", "3", "", ""])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = tmp_path / "zhejiang.xlsx"
    xlsx.write_bytes(buffer.getvalue())
    page.goto("/manage/programs/fipr-2025/import/")
    page.locator("input[type=file]").set_input_files(str(xlsx))
    page.get_by_role("button", name="检查文件").click()
    page.wait_for_url("**/manage/imports/*/")
    page.locator("form button[type=submit]", has_text="导入").first.click()
    page.wait_for_selector(".alert-success")
    screenshot(page, "import-done-zh")
    zhou = Participant.objects.get(license_number="33101202001234570")
    assert zhou.province.code == "33" and zhou.admissions.get().state == "admitted"
