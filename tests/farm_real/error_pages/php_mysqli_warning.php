<br />
<b>Warning</b>:  mysqli_connect(): (HY000/1045): Access denied for user 'alliance_web'@'localhost' (using password: YES) in <b>/var/www/html/alliance/include/conn.php</b> on line <b>6</b><br />
<br />
<b>Warning</b>:  mysqli_set_charset() expects parameter 1 to be mysqli, bool given in <b>/var/www/html/alliance/include/conn.php</b> on line <b>7</b><br />
系統忙碌中，請稍後再試
