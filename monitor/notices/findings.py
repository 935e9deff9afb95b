"""What the monthly check found, said the way a professor reads it, in each language purely.

A notice tells a professor what was found, where (the URL) and what to do. It is built from the
finding's code (:class:`monitor.model.Code`) and these texts, never from the check's message or
evidence: those are written for the office's report and carry machine details ("It works!",
"JS: ...", HTTP codes, English error strings) that would put English into the Chinese half and
jargon into both. The machine details stay in the report, where the office reads them.

The only values taken from the check are a date (the newest dated news found) and its age in
days: digits, the same in both languages; and the server's ``Content-Encoding`` (such as ``br``),
a protocol token the same in both languages, that a webmaster needs to know what to change.
"""

from __future__ import annotations

from alliance_portal.registry.bilingual import Bilingual
from monitor.model import Code
from monitor.reports.view import CheckView

_UNREACHABLE = Bilingual(
    "網站目前無法連線：我們的瀏覽器連不上網站主機。",
    "The website could not be reached: our browser could not connect to its server.",
)

#: What was found, by the finding's code (the check's own words stay in the report).
FOUND: dict[Code, Bilingual] = {
    Code.DNS: Bilingual(
        "網站的網域名稱查不到（網域可能已過期或設定有誤），所以網站打不開。",
        "The website's domain name could not be found (it may have expired or be set up"
        " wrongly), so the website does not open.",
    ),
    Code.REFUSED: _UNREACHABLE,
    Code.RESET: _UNREACHABLE,
    Code.CONNECTION: _UNREACHABLE,
    Code.TIMEOUT: Bilingual(
        "網站在合理時間內沒有回應，所以網站打不開。",
        "The website did not answer in reasonable time, so it does not open.",
    ),
    Code.BLOCKED: Bilingual(
        "網站的網址（或它轉往的網址）指向內部或保留的網路位址（例如只有校內連得到的網段），"
        "校外的訪客連不上，所以網站打不開。",
        "The website's address (or an address it leads to) is an internal or reserved network"
        " address (such as a network only the campus can reach), which visitors from outside"
        " cannot reach, so the website does not open.",
    ),
    Code.FIREWALL_REJECTED: Bilingual(
        "網站的防火牆擋下了我們的檢查，顯示的是阻擋頁面，不是聯盟網站。",
        "The website's firewall blocked our check: it showed a block page, not the alliance"
        " website.",
    ),
    Code.HTTP_ERROR: Bilingual(
        "首頁回應錯誤訊息（例如找不到網頁或伺服器錯誤），沒有顯示網站內容。",
        "The homepage answered with an error (such as page not found or a server error)"
        " instead of the website.",
    ),
    Code.REDIRECT_LOOP: Bilingual(
        "首頁不斷轉址回自己，瀏覽器無法開啟。",
        "The homepage keeps redirecting to itself, so a browser cannot open it.",
    ),
    Code.TOO_MANY_REDIRECTS: Bilingual(
        "首頁轉址次數過多，瀏覽器無法開啟。",
        "The homepage redirects too many times, so a browser cannot open it.",
    ),
    Code.BAD_REDIRECT: Bilingual(
        "首頁轉址到一個無效的網址。",
        "The homepage redirects to an address that does not work.",
    ),
    Code.BAD_URL: Bilingual(
        "登錄的網站網址格式不正確。",
        "The website address in your profile is not a valid address.",
    ),
    Code.BAD_ENCODING: Bilingual(
        "首頁的文字編碼有誤，內容無法正確顯示。",
        "The homepage's text encoding is wrong, so its text cannot be shown correctly.",
    ),
    Code.NOT_HTML: Bilingual(
        "網址開啟的是檔案，不是網頁。",
        "The address opens a file, not a web page.",
    ),
    Code.STOPPED: Bilingual(
        "網站回應過慢或內容過大，檢查未能完成。",
        "The website answered too slowly or sent too much, so the check could not finish.",
    ),
    Code.EMPTY_PAGE: Bilingual(
        "首頁是空白頁，沒有任何內容。",
        "The homepage is blank: it has no content.",
    ),
    Code.DEFAULT_PAGE: Bilingual(
        "首頁是伺服器的預設頁面，不是聯盟網站。",
        "The homepage is the web server's default page, not the alliance website.",
    ),
    Code.DIRECTORY_LISTING: Bilingual(
        "首頁只顯示檔案清單，不是聯盟網站。",
        "The homepage only lists files; it is not the alliance website.",
    ),
    Code.PARKED: Bilingual(
        "網址目前是網域停放頁（出售或待設定的網域），不是聯盟網站。",
        "The address shows a parked-domain page (a domain for sale or not set up), not the"
        " alliance website.",
    ),
    Code.ERROR_PAGE: Bilingual(
        "首頁只顯示網站程式的錯誤訊息，沒有網站內容。",
        "The homepage only shows an error message of the site's software, not the website.",
    ),
    Code.MAINTENANCE: Bilingual(
        "首頁只顯示維護中或建置中的公告。",
        "The homepage only shows a maintenance or under-construction notice.",
    ),
    Code.SUSPENDED: Bilingual(
        "網址顯示的是主機商的帳號停用頁面，不是聯盟網站。",
        "The address shows the hosting provider's account-suspended page, not the alliance"
        " website.",
    ),
    Code.TLS_FAILED: Bilingual(
        "網站的安全連線（HTTPS）無法建立，瀏覽器會顯示警告。",
        "A secure (HTTPS) connection to the website could not be made; browsers show a warning.",
    ),
    Code.TLS_EXPIRED: Bilingual(
        "網站的安全憑證（HTTPS）已過期，瀏覽器會顯示警告。",
        "The website's security certificate (HTTPS) has expired; browsers show a warning.",
    ),
    Code.TLS_NOT_YET_VALID: Bilingual(
        "網站的安全憑證（HTTPS）尚未生效，瀏覽器會顯示警告。",
        "The website's security certificate (HTTPS) is not valid yet; browsers show a warning.",
    ),
    Code.TLS_SELF_SIGNED: Bilingual(
        "網站使用自行簽發的安全憑證，瀏覽器不信任，會顯示警告。",
        "The website uses a self-signed certificate that browsers do not trust; they show a"
        " warning.",
    ),
    Code.TLS_HOSTNAME: Bilingual(
        "網站的安全憑證與網址不符，瀏覽器會顯示警告。",
        "The website's certificate does not match its address; browsers show a warning.",
    ),
    Code.TLS_UNTRUSTED: Bilingual(
        "網站的安全憑證不受瀏覽器信任（可能缺少中繼憑證），瀏覽器會顯示警告。",
        "Browsers do not trust the website's certificate (an intermediate certificate may be"
        " missing); they show a warning.",
    ),
    Code.TLS_REVOKED: Bilingual(
        "網站的安全憑證已被撤銷，瀏覽器會顯示警告。",
        "The website's certificate has been revoked; browsers show a warning.",
    ),
    Code.TLS_INVALID: Bilingual(
        "網站的安全憑證無效，瀏覽器會顯示警告。",
        "The website's certificate is not valid; browsers show a warning.",
    ),
    Code.SCHEME_CHANGED: Bilingual(
        "登錄的網址與網站實際使用的網址（http 或 https）不同。",
        "The registered address and the one the website really uses differ (http or https).",
    ),
    Code.HTTPS_TO_HTTP: Bilingual(
        "網站從安全連線（https）轉到不安全的連線（http）。",
        "The website moves visitors from a secure (https) to an insecure (http) address.",
    ),
    Code.OTHER_HOST: Bilingual(
        "首頁會轉到其他網站。",
        "The homepage sends visitors to another website.",
    ),
    Code.UNSUPPORTED_ENCODING: Bilingual(
        "網站伺服器以我們沒有要求、檢查程式也無法解讀的壓縮格式傳送首頁（或首頁的程式、資料檔），"
        "所以這次無法自動檢查首頁內容；一般瀏覽器仍可正常顯示。",
        "The website's server sent the homepage (or its scripts and data) compressed in a"
        " format we did not ask for and our checker cannot read, so its content could not be"
        " checked automatically this time; ordinary browsers still show it.",
    ),
    Code.NOT_RENDERED: Bilingual(
        "本次無法完整顯示首頁內容，所以未能判定。",
        "The homepage could not be shown completely this time, so it could not be judged.",
    ),
    Code.CREDIT_NONE: Bilingual(
        "首頁找不到國科會（科技部）補助的標示。",
        "The homepage does not say that the alliance is funded by NSTC (formerly MOST).",
    ),
    Code.CREDIT_IMAGE_ONLY: Bilingual(
        "補助標示只出現在圖片裡，沒有文字。",
        "The funding credit is only inside an image, not written as text.",
    ),
    Code.CREDIT_OTHER_PAGE: Bilingual(
        "補助標示只出現在其他頁面，首頁沒有。",
        "The funding credit is on another page, not on the homepage.",
    ),
    Code.CREDIT_NAME_ONLY: Bilingual(
        "首頁只提到機關或計畫名稱，沒有說明受其補助。",
        "The homepage names the funder or the programme but does not say it funds you.",
    ),
    Code.AGING: Bilingual(
        "首頁與最新消息頁的消息有一段時間沒有更新了。",
        "The news on the homepage and the news page has not been updated for a while.",
    ),
    Code.STALE: Bilingual(
        "首頁與最新消息頁的消息已很久沒有更新。",
        "The news on the homepage and the news page has not been updated for a long time.",
    ),
    Code.DATE_AMBIGUOUS: Bilingual(
        "消息的日期寫法無法確定是哪一天。",
        "The dates of the news are written in a way whose day cannot be told for sure.",
    ),
    Code.NO_DATE: Bilingual(
        "首頁與最新消息頁找不到附日期的消息。",
        "No dated news was found on the homepage or the news page.",
    ),
    Code.NEWS_IN_WIDGET: Bilingual(
        "最新消息只在第三方嵌入元件（例如臉書粉絲專頁外掛）裡，無法確認日期。",
        "The news is only inside a third-party widget (such as a Facebook page plugin), whose"
        " dates cannot be checked.",
    ),
    Code.NOT_CHECKED: Bilingual(
        "本項目這次沒有檢查。",
        "This item was not checked this time.",
    ),
    Code.INTERNAL_ERROR: Bilingual(
        "本項目這次無法自動判定，計畫辦公室會以人工確認。",
        "This item could not be judged automatically this time; the office will look by hand.",
    ),
}

#: For a stored result without a code (before codes existed): one per check.
FALLBACK_FOUND: dict[str, Bilingual] = {
    "loads": Bilingual("網站首頁無法正常開啟。", "The website's homepage does not open properly."),
    "credit": FOUND[Code.CREDIT_NONE],
    "updates": Bilingual(
        "首頁與最新消息頁的消息沒有定期更新。",
        "The news on the homepage and the news page is not updated regularly.",
    ),
}

_UNKNOWN = Bilingual(
    "本項目需要處理，細節請回覆本信詢問計畫辦公室。",
    "This item needs attention; reply to this e-mail to ask the office for details.",
)


def found(view: CheckView) -> Bilingual:
    """What was found for one warn/fail check, chosen by its code (never by its wording).

    For news, the newest date found (digits only) is added when there is one."""
    text = FOUND.get(view.code) or FALLBACK_FOUND.get(view.name) or _UNKNOWN
    coding = view.fact("content_encoding")
    if view.code is Code.UNSUPPORTED_ENCODING and coding:
        return Bilingual(
            f"{text.zh}伺服器使用的壓縮格式是 {coding}（Content-Encoding）。",
            f"{text.en} The server used the compression {coding} (Content-Encoding).",
        )
    latest = view.fact("latest_date")
    if view.name == "updates" and latest and view.code in (Code.AGING, Code.STALE):
        return Bilingual(
            f"{text.zh}找到的最新消息日期是 {latest}。",
            f"{text.en} The newest news we found is dated {latest}.",
        )
    return text


def where(view: CheckView, homepage: str, landed: str | None = None) -> str:
    """The URL the finding is about: the page a fact points to, else the homepage. ``landed``
    is where the homepage led (a redirect, a frame, a splash page's link) when the finding is
    about that page: both are named, "registered → landed", since the professor knows the first
    and the fault is at the second."""
    pointed = next((f.url for f in view.facts if f.url and f.key in ("found_in", "source")), None)
    if pointed:
        return pointed
    if landed and landed.rstrip("/") != homepage.rstrip("/"):  # not just the slash added
        return f"{homepage} → {landed}"
    return homepage
