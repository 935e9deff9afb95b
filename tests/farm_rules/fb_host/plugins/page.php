<!DOCTYPE html><html><head><meta charset="utf-8"><title>Facebook</title></head>
<body><div class="timeline"><div class="post"><abbr class="timestamp">{{-2:cjk}}</abbr>
<p>先進封裝技術講座圓滿結束，感謝各位會員參與！</p></div></div></body></html>
