"""The 34 provincial-level divisions with their GB/T 2260 codes (the first two digits), and the
look-up that import files need: a code, a full or short Chinese name, or an English name."""

from __future__ import annotations

from django.utils import translation

from common.text import clean_text

# code, full Chinese name, short Chinese name, English name
PROVINCES: list[tuple[str, str, str, str]] = [
    ("11", "北京市", "北京", "Beijing"),
    ("12", "天津市", "天津", "Tianjin"),
    ("13", "河北省", "河北", "Hebei"),
    ("14", "山西省", "山西", "Shanxi"),
    ("15", "内蒙古自治区", "内蒙古", "Inner Mongolia"),
    ("21", "辽宁省", "辽宁", "Liaoning"),
    ("22", "吉林省", "吉林", "Jilin"),
    ("23", "黑龙江省", "黑龙江", "Heilongjiang"),
    ("31", "上海市", "上海", "Shanghai"),
    ("32", "江苏省", "江苏", "Jiangsu"),
    ("33", "浙江省", "浙江", "Zhejiang"),
    ("34", "安徽省", "安徽", "Anhui"),
    ("35", "福建省", "福建", "Fujian"),
    ("36", "江西省", "江西", "Jiangxi"),
    ("37", "山东省", "山东", "Shandong"),
    ("41", "河南省", "河南", "Henan"),
    ("42", "湖北省", "湖北", "Hubei"),
    ("43", "湖南省", "湖南", "Hunan"),
    ("44", "广东省", "广东", "Guangdong"),
    ("45", "广西壮族自治区", "广西", "Guangxi"),
    ("46", "海南省", "海南", "Hainan"),
    ("50", "重庆市", "重庆", "Chongqing"),
    ("51", "四川省", "四川", "Sichuan"),
    ("52", "贵州省", "贵州", "Guizhou"),
    ("53", "云南省", "云南", "Yunnan"),
    ("54", "西藏自治区", "西藏", "Tibet"),
    ("61", "陕西省", "陕西", "Shaanxi"),
    ("62", "甘肃省", "甘肃", "Gansu"),
    ("63", "青海省", "青海", "Qinghai"),
    ("64", "宁夏回族自治区", "宁夏", "Ningxia"),
    ("65", "新疆维吾尔自治区", "新疆", "Xinjiang"),
    ("71", "台湾省", "台湾", "Taiwan"),
    ("81", "香港特别行政区", "香港", "Hong Kong"),
    ("82", "澳门特别行政区", "澳门", "Macao"),
]

# Other spellings seen in provincial lists.
_ALIASES = {
    "xizang": "54",
    "macau": "82",
    "hongkong": "81",
    "neimenggu": "15",
    "innermongolia": "15",
    "广西省": "45",
    "内蒙古省": "15",
    "宁夏省": "64",
    "新疆省": "65",
    "西藏省": "54",
}


def _key(text: object) -> str:
    """How two spellings of one name compare: as clean_text reads them, without spaces, in lower case."""
    return clean_text(text).replace(" ", "").lower()


def _index() -> dict[str, str]:
    index = {}
    for code, full, short, english in PROVINCES:
        for name in (code, full, short, english):
            index[_key(name)] = code
        index[_key(code + "0000")] = code  # the six-digit division code of the province
    index.update({_key(alias): code for alias, code in _ALIASES.items()})
    return index


_INDEX = _index()
_NAMES = {code: (full, english) for code, full, _short, english in PROVINCES}


def province_code(text: object) -> str | None:
    """The two-digit code for a province written any usual way, or None."""
    return _INDEX.get(_key(text))


def province_name(code: str) -> str:
    """A province's name in the current language (its full Chinese name, or its English one); the code itself
    if it names none. Every page, message and history names a province this way (Province.name too)."""
    if code not in _NAMES:
        return code
    full, english = _NAMES[code]
    return english if (translation.get_language() or "").startswith("en") else full


def sync_provinces(Province) -> None:
    """Create or correct the 34 rows (used by the data migration and after every migrate/flush)."""
    for code, full, short, english in PROVINCES:
        Province.objects.update_or_create(code=code, defaults={"name_zh": full, "short_zh": short, "name_en": english})
