"""User-facing text of the intake form: zh-TW first, English second, kept in one place.

A registry problem shown next to a field needs nothing from here: each
:class:`~alliance_portal.registry.problems.Problem` carries its ``message`` in both languages
from the registry itself, so the form never re-reads the English to find the Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from alliance_portal.registry.bilingual import Bilingual
from alliance_portal.registry.site_settings import MAX_LENGTHS

#: One message in both languages: the registry's shared bilingual text type.
Text = Bilingual


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """An editable profile field as the form shows it."""

    key: str
    label: Text
    kind: str  # text, textarea, select, url, email, number
    required: bool = False
    help: Text | None = None

    @property
    def max_length(self) -> int | None:
        return MAX_LENGTHS.get(self.key)


#: The profile fields an alliance edits, in form order. ``active`` is the office's to set.
PROFILE_FIELDS: Final[tuple[FieldSpec, ...]] = (
    FieldSpec("name", Text("聯盟名稱", "Alliance name (Chinese)"), "text", True),
    FieldSpec("name_en", Text("聯盟英文名稱", "Alliance name (English)"), "text"),
    FieldSpec("university", Text("學校", "University (Chinese)"), "text", True),
    FieldSpec("university_en", Text("學校英文名稱", "University (English)"), "text"),
    FieldSpec("pi", Text("計畫主持人", "Principal investigator (Chinese)"), "text"),
    FieldSpec("pi_en", Text("計畫主持人英文姓名", "Principal investigator (English)"), "text"),
    FieldSpec("industry", Text("產業分類", "Industry"), "select", True),
    FieldSpec(
        "website",
        Text("聯盟網站", "Website"),
        "url",
        True,
        Text(
            "完整網址，例如 https://example.edu.tw/", "Full address, e.g. https://example.edu.tw/"
        ),
    ),
    FieldSpec("contact_email", Text("聯絡信箱", "Contact e-mail"), "email"),
    FieldSpec(
        "since",
        Text("成立年份", "Year founded"),
        "text",
        help=Text(
            "西元年或民國年，例如 2021 或 民國110年",
            "Western or ROC year, e.g. 2021 or the ROC year 110",
        ),
    ),
    FieldSpec(
        "intro",
        Text("聯盟簡介（中文）", "Introduction (Chinese)"),
        "textarea",
        help=Text(
            "純文字，可用 Markdown（例如 **粗體**、清單）；HTML 標籤會原樣顯示為文字。",
            "Plain text; Markdown such as **bold** and lists works; HTML tags are shown as text.",
        ),
    ),
    FieldSpec(
        "intro_en",
        Text("聯盟簡介（英文）", "Introduction (English)"),
        "textarea",
        help=Text(
            "純文字，可用 Markdown；HTML 標籤會原樣顯示為文字。",
            "Plain text; Markdown works; HTML tags are shown as text.",
        ),
    ),
)

#: Titles and explanations of the error pages, by status or kind.
ERRORS: Final[dict[str, tuple[Text, Text]]] = {
    "bad": (
        Text("連結無效", "This link is not valid"),
        Text(
            "這個連結不完整或已被修改。請從計畫辦公室寄給您的信件中完整複製連結；若仍無法使用，請聯絡計畫辦公室。",
            "The link is incomplete or was altered. Copy the whole link from the office's e-mail; "
            "if it still fails, contact the programme office.",
        ),
    ),
    "expired": (
        Text("連結已過期", "This link has expired"),
        Text(
            "個人連結有使用期限。請聯絡計畫辦公室索取新的連結。",
            "Personal links are valid for a limited time. Ask the programme office for a new one.",
        ),
    ),
    "revoked": (
        Text("連結已停用", "This link was revoked"),
        Text(
            "計畫辦公室已停用這個連結（例如已寄出新連結），或計畫主持人已移除您的權限。請使用最新的連結，"
            "或聯絡計畫主持人或計畫辦公室。",
            "The programme office revoked this link (for example, a new one was sent), or the "
            "principal investigator removed your access. Use the newest link or contact the PI or "
            "the office.",
        ),
    ),
    "login": (
        Text("請先登入", "Please sign in"),
        Text(
            "請使用計畫辦公室寄給貴聯盟的個人連結進入上傳表單。",
            "Open the upload form with the personal link the programme office sent your alliance.",
        ),
    ),
    "pi-only": (
        Text("只有計畫主持人可以這樣做", "Only the principal investigator can do this"),
        Text(
            "新增或移除計畫助理只能由計畫主持人以自己的連結操作。",
            "Only the principal investigator, signed in with their own link, can add or remove "
            "assistants.",
        ),
    ),
    "csrf": (
        Text("表單已過期", "The form has expired"),
        Text(
            "為了安全，表單有時效且須由本網站送出。請重新整理頁面後再送出一次；您先前輸入的內容可能需要重新填寫。",
            "For your safety a form is valid for a limited time and must come from this site. Reload "
            "the page and submit again; you may need to re-enter your changes.",
        ),
    ),
    "413": (
        Text("檔案太大", "The file is too large"),
        Text(
            "上傳的資料超過大小上限。橫幅須為 222x112 像素的 PNG 檔，通常遠小於 1 MB；請縮小檔案後重新上傳。",
            "The upload is larger than allowed. A banner is a 222x112 pixel PNG and is normally far "
            "below 1 MB; make the file smaller and upload it again.",
        ),
    ),
    "429": (
        Text("操作太頻繁", "Too many requests"),
        Text(
            "短時間內的操作次數太多。請稍候再試。",
            "There were too many requests in a short time. Please wait and try again.",
        ),
    ),
    "404": (
        Text("找不到頁面", "Page not found"),
        Text("您要找的頁面不存在。", "The page you are looking for does not exist."),
    ),
    "403": (
        Text("沒有權限", "Not allowed"),
        Text("您沒有權限檢視這個頁面。", "You are not allowed to see this page."),
    ),
    "500": (
        Text("系統發生錯誤", "Something went wrong"),
        Text(
            "系統暫時無法處理您的要求，您的資料未被更改。請稍後再試，或聯絡計畫辦公室。",
            "The server could not handle the request and nothing was changed. Try again later or "
            "contact the programme office.",
        ),
    ),
}

PUBLISH: Final[dict[str, Text]] = {
    "building": Text(
        "已儲存。入口網正在更新，約需一分鐘…",
        "Saved. The portal is being updated; this takes about a minute…",
    ),
    "live": Text("已儲存，變更已在入口網上線。", "Saved. Your change is live on the portal."),
    "built": Text(
        "已儲存。計畫辦公室下次發布入口網後，公開網站就會顯示這項變更；您不需再做什麼。",
        "Saved. The public portal shows this change once the programme office next publishes "
        "it; there is nothing more for you to do.",
    ),
    "failed": Text(
        "已儲存，但入口網更新失敗；計畫辦公室會處理，您不需重新送出。",
        "Saved, but updating the portal failed; the programme office will handle it. You do not "
        "need to submit again.",
    ),
    "disabled": Text(
        "已儲存。計畫辦公室會在下次發布入口網時更新。",
        "Saved. The programme office publishes it with the next portal update.",
    ),
}
