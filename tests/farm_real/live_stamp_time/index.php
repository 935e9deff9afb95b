<!DOCTYPE html>
<html lang="zh-Hant">
<head>
<meta charset="utf-8">
<title>精密機械產學聯盟</title>
<link rel="stylesheet" href="css/layout.css">
</head>
<body>
<table width="980" border="0" align="center" cellpadding="0" cellspacing="0" id="wrap">
  <tr><td id="top"><h1>精密機械產學聯盟</h1></td></tr>
  <tr><td id="nav"><a href="index.php">首頁</a>｜<a href="about.php">聯盟介紹</a>｜<a href="service.php">服務項目</a>｜<a href="member.php">會員專區</a>｜<a href="contact.php">聯絡資訊</a></td></tr>
  <tr><td id="main">
    <h2>聯盟介紹</h2>
    <p>本聯盟由本校機械系精密加工實驗室組成，提供會員廠商五軸加工、量測與製程改善之技術諮詢，協助中部精密機械產業提升競爭力。</p>
    <h2>最新消息</h2>
    <table class="news" width="100%">
      <tr><td class="ndate">{{-200:roc}}</td><td><a href="news.php?id=41">精密量測技術研習班招生</a></td></tr>
      <tr><td class="ndate">{{-240:roc}}</td><td><a href="news.php?id=40">產學交流座談會</a></td></tr>
    </table>
  </td></tr>
  <tr><td id="footer">
    本聯盟為科技部產學小聯盟計畫補助　地址：40227 臺中市南區興大路145號　電話：04-22840433<br>
    網頁更新時間：{{NOW}}
  </td></tr>
</table>
</body>
</html>
