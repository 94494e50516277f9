"""Anonymised quotes: names, phone and ID numbers, other long numbers, e-mail and street addresses scrubbed.

What is scrubbed, in this order (each replaced by a bracketed placeholder, so a reader sees that
something was there):

- resident ID numbers (18 digits, the last possibly X; old 15-digit ones) → 〔证件号〕;
- phone numbers: mobiles (1[3-9] + 9 digits, also written 138-1234-5678 or 138 1234 5678), landlines
  with area code (021-6123 4567, (021)61234567), and whatever `phonenumbers` finds for region CN
  → 〔电话〕;
- any other run of 6 or more digits (case, account, bank-card numbers) → 〔号码〕; short numbers stay,
  so hotlines such as 12348 and counts such as "跑了3次" are kept;
- e-mail addresses → 〔邮箱〕;
- addresses: a road, street or lane with its number (…路123号, …弄5号, …室, …栋/幢/单元, 村/小区
  with a number) → 〔地址〕;
- names: every name passed in `names` (the frame's own names of the respondent), then titles after a
  common surname (王律师, 李老师, 张主任 → 某律师, 某老师, 某主任), familiar forms (小王, 老李 → 某某)
  and a full name introduced as one (姓王, 叫王小明, 名叫… → 〔姓名〕).

No scrubber is perfect: the report prints only short quotes, and every quote is read by a coder
first (the app shows the same scrubbed text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import phonenumbers

#: The most common Chinese surnames (about 85% of the population), single and double.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
DOUBLE_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "公孙", "慕容", "尉迟")
TITLES = (
    "律师", "老师", "先生", "女士", "小姐", "阿姨", "师傅", "同志", "主任", "科长", "处长", "所长", "局长",
    "警官", "法官", "公证员", "调解员", "经理", "助理", "书记", "大姐", "大哥", "工作人员",
)  # fmt: skip

_SURNAME = f"(?:{'|'.join(DOUBLE_SURNAMES)}|[{SURNAMES}])"
_CN_NUM = "[0-9０-９一二三四五六七八九十百零〇两]+"
_ID = re.compile(
    r"(?<![0-9])(?:[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]|[1-9]\d{14})(?![0-9])"
)
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![0-9])")
_LANDLINE = re.compile(
    r"(?:[(（]0\d{2,3}[)）]|(?<![0-9])0\d{2,3}[- ])?(?<![0-9])[2-9]\d{3}[- ]?\d{4}(?![0-9])"
)
_LONG_NUMBER = re.compile(r"\d{6,}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ADDRESS = re.compile(
    rf"(?:(?![在住于到从是])[\u4e00-\u9fa5]){{0,8}}(?:路|街|大道|公路|巷|弄|村|小区|花园|新村|苑)\s*{_CN_NUM}\s*(?:号楼|支弄|号|弄|栋|幢)"
    rf"(?:\s*{_CN_NUM}\s*(?:号楼|单元|号|弄|栋|幢|楼|层|室))*"
    rf"|{_CN_NUM}\s*(?:号楼|号|栋|幢)\s*{_CN_NUM}\s*(?:单元|室|楼)(?:\s*{_CN_NUM}\s*(?:室|楼))*"
    rf"|{_CN_NUM}\s*室"
)
_TITLED = re.compile(rf"{_SURNAME}(?=(?:{'|'.join(TITLES)}))")
_FAMILIAR = re.compile(
    rf"(?<![\u4e00-\u9fa5])[小老]{_SURNAME}(?![\u4e00-\u9fa5]{{2}})|(?<=[，,。\s])[小老]{_SURNAME}"
)
_INTRODUCED = re.compile(
    rf"(姓名是|名字是|名叫|叫做|[我他她]叫|我是|本人)\s*{_SURNAME}[\u4e00-\u9fa5]{{0,2}}"
)
_SURNAME_GIVEN = re.compile(rf"(?<=姓){_SURNAME}")

PLACEHOLDERS = {
    "id": "〔证件号〕",
    "phone": "〔电话〕",
    "number": "〔号码〕",
    "email": "〔邮箱〕",
    "address": "〔地址〕",
    "name": "〔姓名〕",
}


def _phones(text: str) -> str:
    text = _MOBILE.sub(PLACEHOLDERS["phone"], text)
    text = _LANDLINE.sub(PLACEHOLDERS["phone"], text)
    text = _LONG_NUMBER.sub(PLACEHOLDERS["number"], text)
    for match in reversed(list(phonenumbers.PhoneNumberMatcher(text, "CN"))):
        text = text[: match.start] + PLACEHOLDERS["phone"] + text[match.end :]
    return text


def _names(text: str, names: Iterable[str]) -> str:
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(name, PLACEHOLDERS["name"])
    text = _INTRODUCED.sub(lambda match: match.group(1) + PLACEHOLDERS["name"], text)
    text = _SURNAME_GIVEN.sub("某", text)
    text = _TITLED.sub("某", text)
    return _FAMILIAR.sub("某某", text)


def anonymise(text: str | None, names: Iterable[str] = ()) -> str:
    """`text` with personal identifiers replaced by placeholders (see the module docstring)."""
    if not text:
        return ""
    text = _ID.sub(PLACEHOLDERS["id"], text)
    text = _EMAIL.sub(PLACEHOLDERS["email"], text)
    text = _phones(text)
    text = _ADDRESS.sub(PLACEHOLDERS["address"], text)
    return _names(text, names)
