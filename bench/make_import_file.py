"""Write an XLSX provincial list of N new lawyers: bench/make_import_file.py PATH N"""

import sys

from openpyxl import Workbook

PROVINCES = ["广东省", "北京", "Shanghai", "33", "江苏省", "山东", "四川省", "湖北"]


def main(path: str, rows: int) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(
        ["姓名", "姓名拼音", "性别", "执业证号", "律师事务所", "省份", "城市", "手机", "邮箱", "执业年限", "专业领域"]
    )
    for n in range(rows):
        sheet.append([
            f"导入律师{n}", f"Import Lawyer {n}", "男" if n % 2 else "女", f"9{n:016d}", "某某律师事务所",
            PROVINCES[n % len(PROVINCES)], "深圳", f"137{n:08d}", f"import{n}@bench.test", n % 30, "专利、商标",
        ])  # fmt: skip
    book.save(path)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
