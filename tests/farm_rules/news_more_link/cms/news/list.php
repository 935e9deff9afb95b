<!DOCTYPE html>
<html lang="zh-Hant-TW"><head><meta charset="utf-8"><title>最新消息 - 智慧醫材法規產學聯盟</title></head>
<body>
<div class="module module-ptlist"><h2>最新消息</h2>
<table class="listTB table"><thead><tr><th>日期</th><th>標題</th></tr></thead><tbody>
<tr><td class="listdate">{{-30:iso}}</td><td><a href="p-1021.php">醫療器材軟體確效指引說明會</a></td></tr>
<tr><td class="listdate">{{-64:iso}}</td><td><a href="p-1017.php">ISO 13485 品質系統輔導開放申請</a></td></tr>
<tr><td class="listdate">{{-101:iso}}</td><td><a href="p-1009.php">AI 醫材上市前審查重點分享</a></td></tr>
</tbody></table></div>
<div class="footer"><p>Copyright &copy; {{year}} 智慧醫材法規產學聯盟</p></div>
</body></html>
