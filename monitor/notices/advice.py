"""How to fix each finding, in zh-TW and English: chosen by the finding's code, never by its
wording, so rewording a message cannot change the advice e-mailed to a professor."""

from __future__ import annotations

from alliance_portal.registry.bilingual import Bilingual
from monitor.model import Code
from monitor.reports.view import CheckView
from monitor.rules.vocabulary import UPDATE_PASS_DAYS

_FIX_SERVER = Bilingual(
    "請確認網站主機正常運作、網域未過期，且首頁有實際內容（不是伺服器預設頁或網域停放頁）。"
    "若網址已變更，請更新登錄的網站網址。",
    "Make sure the web server is running, the domain has not expired and the homepage has"
    " real content (not a server default page or a parked domain). If the address changed,"
    " update the website in your profile.",
)
_FIX_PUBLIC_ADDRESS = Bilingual(
    "請讓網站使用校外也連得到的公開網址（請網路管理人員確認網域名稱的設定指向公開的網路位址）；"
    "若網址已變更，請更新登錄的網站網址。",
    "Give the website an address that visitors outside the campus can reach (ask your network"
    " administrator to make the domain's DNS record point to a public IP address). If the"
    " address changed, update the website in your profile.",
)
_FIX_TLS = Bilingual(
    "請更新網站的 HTTPS 憑證並安裝完整的中繼憑證，且憑證名稱須與網址相符。",
    "Renew the site's HTTPS certificate, install the full intermediate chain and make"
    " sure the certificate matches the address.",
)
_FIX_CONTENT = Bilingual(
    "首頁目前是空白頁、伺服器預設頁或檔案目錄清單：請放上聯盟網站的首頁內容。"
    "若網址已變更，請更新登錄的網站網址。",
    "The homepage is empty, a server default page or a directory listing: put the alliance's"
    " homepage online. If the address changed, update the website in your profile.",
)
_FIX_BY_HAND = Bilingual(
    "本次無法自動判定，計畫辦公室會以人工確認；若網站需要特殊瀏覽方式才能顯示內容，請回覆本信說明。",
    "This could not be judged automatically; the programme office will look by hand. If your"
    " site needs anything special to show its content, please reply to this e-mail.",
)

#: The advice in a notice, chosen by the finding's code (never by its wording).
ADVICE: dict[Code, Bilingual] = {
    **dict.fromkeys(
        (
            Code.DNS,
            Code.REFUSED,
            Code.RESET,
            Code.TIMEOUT,
            Code.CONNECTION,
            Code.HTTP_ERROR,
            Code.REDIRECT_LOOP,
            Code.TOO_MANY_REDIRECTS,
            Code.BAD_REDIRECT,
            Code.BAD_URL,
            Code.BAD_ENCODING,
            Code.NOT_HTML,
            Code.PARKED,
            Code.STOPPED,
        ),
        _FIX_SERVER,
    ),
    **dict.fromkeys(
        (
            Code.TLS_FAILED,
            Code.TLS_EXPIRED,
            Code.TLS_NOT_YET_VALID,
            Code.TLS_SELF_SIGNED,
            Code.TLS_HOSTNAME,
            Code.TLS_UNTRUSTED,
            Code.TLS_REVOKED,
            Code.TLS_INVALID,
        ),
        _FIX_TLS,
    ),
    **dict.fromkeys((Code.EMPTY_PAGE, Code.DEFAULT_PAGE, Code.DIRECTORY_LISTING), _FIX_CONTENT),
    Code.ERROR_PAGE: Bilingual(
        "首頁只顯示程式或資料庫的錯誤訊息：請網站管理者查看伺服器的錯誤紀錄，確認資料庫正常運作、"
        "程式與設定正確，並關閉對外顯示錯誤訊息（例如 PHP 的 display_errors）。",
        "The homepage shows only an error of the site's software: ask the site's administrator to"
        " read the server's error log, make sure the database is running and the code and"
        " settings are right, and stop showing error details to visitors (e.g. PHP's"
        " display_errors).",
    ),
    Code.MAINTENANCE: Bilingual(
        "首頁目前只有維護中或建置中的公告：請儘快完成維護並恢復網站內容；若維護需時較久，"
        "請在首頁保留聯盟簡介、補助標示與最新消息。",
        "The homepage is only a maintenance or under-construction notice: finish the work and put"
        " the site's content back; if it takes long, keep the alliance's introduction, funding"
        " credit and news on the homepage meanwhile.",
    ),
    Code.SUSPENDED: Bilingual(
        "主機商已停用網站帳號（例如未續約或流量超量）：請聯絡主機商或學校電算中心恢復帳號，"
        "或將網站移到新主機並更新登錄的網站網址。",
        "The hosting provider has suspended the site's account (for example an unpaid renewal or"
        " exceeded traffic): contact the provider or the university's computer centre to"
        " restore it, or move the site and update the website in your profile.",
    ),
    Code.FIREWALL_REJECTED: Bilingual(
        "網站的防火牆拒絕了本檢查程式的連線（Request Rejected）：請學校電算中心或網站管理者將計畫辦公室"
        "的網站檢查列入允許清單，並確認一般訪客可以正常開啟首頁。",
        "The site's firewall rejected the office's checker (Request Rejected): ask the"
        " university's computer centre or the site's administrator to allow the office's"
        " website check, and make sure ordinary visitors can open the homepage.",
    ),
    Code.OTHER_HOST: Bilingual(
        "首頁會轉址到其他網站。若網址已變更，請透過資料更新連結更新登錄的網站網址；否則請移除轉址。",
        "The homepage redirects to another site. If your address changed, update the"
        " website in your profile (use your personal update link); otherwise remove the redirect.",
    ),
    **dict.fromkeys(
        (Code.SCHEME_CHANGED, Code.HTTPS_TO_HTTP),
        Bilingual(
            "請確認登錄的網址（http 或 https）與實際可連線的網址一致。",
            "Make sure the registered address (http or https) is the one that works.",
        ),
    ),
    **dict.fromkeys((Code.NOT_RENDERED, Code.INTERNAL_ERROR, Code.NOT_CHECKED), _FIX_BY_HAND),
    Code.BLOCKED: _FIX_PUBLIC_ADDRESS,
    Code.UNSUPPORTED_ENCODING: Bilingual(
        "計畫辦公室會以人工開啟網站確認內容。請網站管理者設定伺服器依照瀏覽器的要求"
        "（Accept-Encoding）選擇壓縮格式：只在對方表示接受時才送出 br 或 zstd 壓縮的網頁"
        "（例如 nginx 的 brotli_static 不要設為 always），其他情況送出 gzip 或不壓縮的網頁。",
        "The programme office will open the site by hand to check it. Ask the site's"
        " administrator to make the server choose its compression by what the browser accepts"
        " (Accept-Encoding): send br or zstd only to clients that ask for it (for example, do"
        " not set nginx's brotli_static to always), and gzip or no compression otherwise.",
    ),
    Code.CREDIT_NONE: Bilingual(
        "請在首頁（例如頁尾）以文字加上「科技部計畫補助」或「國科會補助」字樣。",
        'Add the words 「科技部計畫補助」 (or 「國科會補助」, "Sponsored by NSTC") to the'
        " homepage as text, for example in the footer.",
    ),
    Code.CREDIT_IMAGE_ONLY: Bilingual(
        "補助標示目前只在圖片中，請以文字標示，或為圖片加上替代文字「科技部計畫補助」。",
        "The credit is only inside an image: add it as text, or give the image the alt text"
        " 「科技部計畫補助」.",
    ),
    Code.CREDIT_OTHER_PAGE: Bilingual(
        "補助標示目前只出現在其他頁面，請放在首頁（例如頁尾）。",
        "The credit is only on another page: put it on the homepage, for example in the footer.",
    ),
    Code.NEWS_IN_WIDGET: Bilingual(
        "最新消息目前只在第三方嵌入元件（例如臉書粉絲專頁外掛）中，無法確認更新日期：請在首頁或"
        "「最新消息」頁以文字張貼附日期的消息（例如 2026-05-03 或 115年5月3日）。",
        "Your news is only inside a third-party widget (such as a Facebook page plugin), whose"
        " dates cannot be checked: post dated news as text on the homepage or on the news page"
        " (e.g. 2026-05-03 or 「115年5月3日」).",
    ),
    Code.CREDIT_NAME_ONLY: Bilingual(
        "首頁只出現機關名稱（例如「科技部產學小聯盟」），請加上補助字樣，例如「科技部計畫補助」。",
        "The homepage names the funder without saying it funds you (e.g. only the programme"
        ' name): add a phrase such as 「科技部計畫補助」 or "Sponsored by NSTC".',
    ),
}

#: Advice for a stored result without a code (before codes existed): one per check.
FALLBACK_ADVICE: dict[str, Bilingual] = {
    "loads": _FIX_SERVER,
    "credit": ADVICE[Code.CREDIT_NONE],
}


def _updates_advice(view: CheckView) -> Bilingual:
    """Post dated news: the same advice for every updates finding, with the newest date found."""
    latest = view.fact("latest_date")
    return Bilingual(
        "請在首頁或首頁連結的「最新消息」頁張貼附日期的消息（例如 2026-05-03 或 115年5月3日），並定期更新"
        f"（最新消息在 {UPDATE_PASS_DAYS} 天內即通過）。"
        + (
            f"目前找到的最新日期為 {latest}。"
            if latest
            else "目前在首頁與最新消息頁找不到任何日期。"
        ),
        "Post news with a date (e.g. 2026-05-03 or 「115年5月3日」) on the homepage or on the"
        " news page it links to (「最新消息」 or News), and keep it up to date (news at most"
        f" {UPDATE_PASS_DAYS} days old passes). "
        + (
            f"The newest date we found is {latest}."
            if latest
            else "We found no dates on the homepage or the news page."
        ),
    )


def advice(view: CheckView) -> Bilingual:
    """The advice for one warn/fail check, chosen by its code."""
    if view.code in ADVICE:
        return ADVICE[view.code]
    if view.name == "updates":
        return _updates_advice(view)
    return FALLBACK_ADVICE.get(view.name, _FIX_BY_HAND)
